from .scope import sees_everything


def region_scope(request):
    """`scope_is_everything` for templates: whether the user's scope is the whole tree."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope_is_everything": lambda: sees_everything(user)}
