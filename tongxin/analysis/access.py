"""Who may use the structure analysis: staff and leaders, each over the persons
`persons_visible_to` gives them; evaluators get 404."""

from django.http import Http404


def may_use_analysis(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role in {
        user.Role.ADMIN,
        user.Role.CITY,
        user.Role.COUNTY,
        user.Role.LEADER,
    }


def require_analysis_user(user) -> None:
    if not may_use_analysis(user):
        raise Http404
