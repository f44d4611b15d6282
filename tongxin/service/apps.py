from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "tongxin.service"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "服务帮助与建言献策"

    def ready(self):
        from tongxin.people.dictionary_forms import DictionaryKind, register_dictionary_kinds

        from .models import RequestCategory

        register_dictionary_kinds(
            DictionaryKind(
                "request-categories",
                RequestCategory,
                "诉求类别",
                ("name", "synonyms", "sort_order", "is_active"),
                usage_relation="servicerequest",
                usage_label="引用诉求数",
            )
        )
