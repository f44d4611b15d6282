from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "tongxin.evaluations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "综合评价与动态管理"

    def ready(self):
        from tongxin.people.listing import ListFilter, register_list_filter

        from .selectors import persons_with_latest_grade

        register_list_filter(
            "grade", ListFilter(label="最近评价等次", apply=persons_with_latest_grade)
        )
