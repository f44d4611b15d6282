from django import forms

from tongxin.core.forms import BootstrapForm
from tongxin.people.access import regions_writable_by

from .files import max_upload_bytes
from .models import ImportBatch
from .parsing import column_letter
from .validation import FIELD_LABELS, IMPORTABLE_FIELDS

IGNORE = ""


class UploadForm(BootstrapForm):
    file = forms.FileField(
        label="人员名单文件",
        help_text="支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK 编码）；第一张有数据的工作表将被导入。",
        error_messages={"required": "请选择要导入的文件", "empty": "文件是空的"},
    )
    default_region = forms.ModelChoiceField(
        label="默认所属区域",
        queryset=None,
        required=False,
        empty_label="（按文件中的“所属区域”列）",
        help_text="文件中没有所属区域列、或该格为空时，导入到此区域。",
        error_messages={"invalid_choice": "默认所属区域无效，请重新选择"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_region"].queryset = regions_writable_by(user)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.ods,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件大小为 {upload.size / 1048576:.1f} MB，超过 {limit // 1048576} MB 的上限，请拆分后分批导入"
            )
        return upload


class PhotoUploadForm(BootstrapForm):
    file = forms.FileField(
        label="照片压缩包（.zip）",
        help_text="每张照片以公民身份号码命名（如 450102198506010012.jpg），或“姓名-公民身份号码”（如 张三-450102198506010012.jpg）。",
        error_messages={"required": "请选择要上传的压缩包", "empty": "文件是空的"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".zip"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".zip"):
            raise forms.ValidationError(
                "请上传 .zip 压缩包（把照片放进一个文件夹，右键“压缩”或“发送到→压缩文件夹”）"
            )
        return upload


FIELD_CHOICES = [(IGNORE, "忽略此列")] + [(f, FIELD_LABELS[f]) for f in IMPORTABLE_FIELDS]


class MappingForm(BootstrapForm):
    """One select per file column: which registration field it fills, or 忽略."""

    on_duplicate = forms.ChoiceField(
        label="文件中已登记的人员",
        choices=ImportBatch.OnDuplicate.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择如何处理已登记的人员"},
    )

    def __init__(self, *args, batch: ImportBatch, initial_mapping: dict | None = None, **kwargs):
        """`initial_mapping` ({"0": field, …}) replaces the batch's own as the starting choice."""
        super().__init__(*args, **kwargs)
        self.batch = batch
        starting = batch.mapping if initial_mapping is None else initial_mapping
        self.fields["on_duplicate"].initial = batch.on_duplicate
        self.column_names = []
        for index, header in enumerate(batch.columns):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"{column_letter(index)}列：{header or '（无列名）'}",
                choices=FIELD_CHOICES,
                required=False,
                initial=starting.get(str(index), IGNORE),
            )
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
            self.column_names.append(name)

    def column_fields(self):
        return [self[name] for name in self.column_names]

    def clean(self):
        data = super().clean()
        chosen: dict[str, str] = {}
        for index, name in enumerate(self.column_names):
            target = data.get(name)
            if not target:
                continue
            if target in chosen:
                self.add_error(
                    name,
                    f"“{FIELD_LABELS[target]}”已对应到{chosen[target]}，一个字段只能对应一列",
                )
            else:
                chosen[target] = f"{column_letter(index)}列"
        if "name" not in chosen and "id_number" not in chosen:
            raise forms.ValidationError("请至少指定“姓名”和“公民身份号码”所在的列")
        for required in ("name", "id_number"):
            if required not in chosen:
                raise forms.ValidationError(f"请指定“{FIELD_LABELS[required]}”所在的列")
        return data

    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data[name]
            for index, name in enumerate(self.column_names)
            if self.cleaned_data.get(name)
        }
