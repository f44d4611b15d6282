"""Form rendering shared by every app.

Django's form renderer draws every form: `FORM_RENDERER` (settings) names
`FormRenderer`, whose template `core/form.html` lays out `{{ form }}`; forms
built on `BootstrapForm` / `BootstrapModelForm` get their widgets' Bootstrap
classes from `BootstrapBoundField` when a field is drawn.
"""

from django import forms
from django.forms.renderers import DjangoTemplates


def posted(request):
    """A form's data: the POST on a POST (even an empty one), nothing on a GET."""
    return request.POST if request.method == "POST" else None


class FormRenderer(DjangoTemplates):
    """`{{ form }}` is every visible field with its label, Chinese errors and help text."""

    form_template_name = "core/form.html"


def widget_css(widget: forms.Widget) -> str:
    """The Bootstrap class a widget is drawn with."""
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
        return "form-check-input"  # RadioSelect covers CheckboxSelectMultiple
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapBoundField(forms.BoundField):
    """A field drawn with its widget's Bootstrap class, and is-invalid while it has errors.

    A class already given (attrs on the widget or the template's) is kept and
    comes first; the Bootstrap class is not repeated when it is already there.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = attrs.get("class", widget.attrs.get("class", "")).split()
        for css in (widget_css(widget), "is-invalid" if self.errors else None):
            if css and css not in classes:
                classes.append(css)
        attrs["class"] = " ".join(classes)
        return attrs


class BootstrapForm(forms.Form):
    bound_field_class = BootstrapBoundField


class BootstrapModelForm(forms.ModelForm):
    bound_field_class = BootstrapBoundField


class OptionsForm(BootstrapForm):
    """The 系统参数 page: one field per option of core/options.py, grouped by section."""

    def __init__(self, *args, **kwargs):
        from . import options

        super().__init__(*args, **kwargs)
        self.sections: dict[str, list[str]] = {}
        for option in options.OPTIONS:
            current = options.value(option.key)
            default = option.display(option.default())
            if option.kind == "bands":
                help_text = f"{option.help}（部署默认值：{default}）"
                field = forms.CharField(
                    label=option.label,
                    help_text=help_text,
                    widget=forms.Textarea(attrs={"rows": 5, "cols": 20}),
                    initial=options.bands_lines(current),
                )
            elif option.kind == "monthday":
                field = forms.CharField(
                    label=option.label,
                    help_text=f"{option.help}（部署默认值：{default}）",
                    max_length=10,
                    initial=options.month_day_text(current),
                )
            else:
                bounds = f"{option.minimum}—{option.upper_bound()}{option.unit}"
                help_text = f"{option.help}（可设{bounds}；部署默认值：{default}）"
                field = forms.IntegerField(
                    label=f"{option.label}（{option.unit}）" if option.unit else option.label,
                    help_text=help_text,
                    min_value=option.minimum,
                    max_value=option.upper_bound(),
                    initial=current,
                )
            self.fields[option.key] = field
            self.sections.setdefault(option.section, []).append(option.key)

    def clean(self):
        from django.core.exceptions import ValidationError

        from . import options

        data = super().clean()
        for key, raw in list(data.items()):
            try:
                data[key] = options.clean(options.BY_KEY[key], raw)
            except ValidationError as error:
                self.add_error(key, error)
        return data

    def grouped(self):
        """[(section, [bound field, …]), …] in the order declared."""
        return [(section, [self[key] for key in keys]) for section, keys in self.sections.items()]
