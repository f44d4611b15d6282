"""Form rendering shared by every app."""

from django import forms


class BootstrapFormMixin:
    """Bootstrap classes on every widget; a field with errors is marked is-invalid.

    Forms using it render with the accounts/_form_fields.html include.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"  # RadioSelect covers CheckboxSelectMultiple
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs["class"]:
                widget.attrs["class"] += " is-invalid"


class OptionsForm(BootstrapFormMixin, forms.Form):
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
            # Each field re-renders with its Bootstrap class (the mixin ran before).
            field.widget.attrs["class"] = "form-control"
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
