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
