"""Django's form renderer draws every form (FORM_RENDERER, core/forms.py, core/form.html)."""

from django import forms
from django.template import Context, Template

from tongxin.core.forms import BootstrapForm


class _SampleForm(BootstrapForm):
    name = forms.CharField(label="姓名", help_text="与身份证一致")
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲"), ("b", "乙")])
    agreed = forms.BooleanField(label="同意", required=False)
    tags = forms.MultipleChoiceField(
        label="标签",
        choices=[("x", "一"), ("y", "二")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    small = forms.CharField(
        label="备注",
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def _render(form) -> str:
    return Template("{{ form }}").render(Context({"form": form}))


def test_it_draws_a_fresh_form_with_bootstrap_classes_and_labels():
    html = _render(_SampleForm())
    assert '<label class="form-label tx-required" for="id_name">姓名</label>' in html
    assert 'class="form-control"' in html and 'name="name"' in html
    assert '<select name="kind" class="form-select"' in html
    assert 'class="form-check-input"' in html and 'name="agreed"' in html
    assert '<legend class="form-label fs-6">标签</legend>' in html
    assert html.count('class="form-check-input"') == 3  # agreed and the two tags
    assert 'class="form-control form-control-sm"' in html  # a given class first, not repeated
    assert '<div class="form-text" id="id_name_helptext">与身份证一致</div>' in html
    assert "is-invalid" not in html


def test_it_marks_the_fields_with_errors_and_names_them_in_chinese():
    form = _SampleForm(data={"name": "", "kind": "z"})
    assert not form.is_valid()
    form.add_error(None, "整张表有误")
    html = _render(form)
    assert '<div class="alert alert-danger" role="alert">整张表有误</div>' in html
    assert 'class="form-control is-invalid"' in html
    assert 'class="form-select is-invalid"' in html
    assert 'id="id_name_error" data-field-error="name"' in html
    assert 'data-field-error="kind"' in html
    assert html.count("is-invalid") == 2  # agreed, tags and small have no error


def test_fields_added_after_init_are_drawn_alike():
    form = _SampleForm()
    form.fields["extra"] = forms.IntegerField(label="追加")
    assert 'class="form-control"' in str(form["extra"])
