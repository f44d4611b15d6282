from .scope import sees_everything


def region_scope(request):
    """`sees_all_regions` for templates: whether the user's scope is the whole tree."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"sees_all_regions": lambda: sees_everything(user)}
