from django.urls import reverse

from tongxin.core.paths import path_for_key


def test_a_path_for_a_key_equals_reverse_for_every_key():
    path = path_for_key("people:detail")
    for pk in (1, 7, 42, 1_000_000, 9_876_543_210):
        assert path(pk) == reverse("people:detail", args=[pk])


def test_it_honours_the_script_prefix_of_the_request(settings):
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    set_script_prefix("/tongxin/")
    try:
        assert path_for_key("people:detail")(5) == "/tongxin/persons/5/"
    finally:
        set_script_prefix(before)
