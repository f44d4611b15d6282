from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/<int:pk>/form/", views.person_form, name="person_form"),
    path("forms/", views.form_batch, name="form_batch"),
    path("summary/", views.summary, name="summary"),
    path("summary/print/", views.summary_print, name="summary_print"),
    path("summary/xlsx/", views.summary_xlsx, name="summary_xlsx"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("form-template/", views.form_template, name="form_template"),
    path("form-template/reset/", views.form_template_reset, name="form_template_reset"),
    path("form-template/download/", views.form_template_download, name="form_template_download"),
]
