from django import forms

from tongxin.core.forms import BootstrapForm


class TemplateUploadForm(BootstrapForm):
    template = forms.FileField(
        label="登记表模板（.docx）",
        help_text="在系统自带模板基础上修改版式；单元格中的 {{ name }} 等标记会被替换为人员信息。",
        error_messages={"required": "请选择要上传的模板文件", "empty": "上传的文件是空的"},
    )

    def clean_template(self):
        upload = self.cleaned_data["template"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError("模板须为Word文档（.docx）")
        return upload
