"""How the keys and values of an entry's `changes` read in Chinese.

Most keys are the model's own field names and read as their verbose_name
(views._field_label). The rest are names the services chose for what is not a
field (an export's format, the persons added in one step, a key rotation's
counts); they are listed here so that no page shows `what：registration_form`.
"""

# Keys that are not fields of the entry's model.
KEY_LABELS = {
    "already_in": "已在名单中",
    "attachment_added": "新增附件",
    "attachment_removed": "删除附件",
    "batches": "导入批次",
    "bytes": "文件大小（字节）",
    "client": "接口客户端",
    "context": "查看场合",
    "count": "数量",
    "counts_match": "数量核对一致",
    "current_key": "原密钥",
    "cutoff": "截止时间",
    "deleted": "删除的记录",
    "fields": "字段",
    "file_name": "文件名",
    "files": "文件数",
    "filter": "筛选条件",
    "follow_up": "回访",
    "format": "格式",
    "identifiers": "证件号码和手机号码",
    "kind": "类型",
    "level": "分级",
    "locked": "锁定记录",
    "login_lock": "登录锁定",
    "media_files": "附件文件数",
    "method": "请求方法",
    "new_key": "新密钥",
    "note": "说明",
    "on_duplicate": "已登记人员的处理方式",
    "outcome": "结果",
    "password": "密码",
    "path": "路径",
    "person": "人员",
    "person_added": "加入人员",
    "person_left": "退出人员",
    "person_withdrawn": "撤回人员",
    "persons_added": "加入人数",
    "previous_reason": "原出库原因",
    "privacy_request": "个人信息申请编号",
    "query": "查询参数",
    "quota": "名额",
    "reason": "原因",
    "records": "记录数",
    "reencrypted": "重新加密",
    "reference": "申请依据/文号",
    "removed": "删除的文件",
    "removed_persons": "删除人数",
    "reset": "重置",
    "restored_persons": "恢复人数",
    "retention_days": "保留天数",
    "retired": "停用的密钥",
    "revealed": "含完整号码",
    "review": "复核",
    "route": "接口路径",
    "rows": "行数",
    "scope": "范围",
    "sha256": "文件校验值（SHA-256）",
    "sheets": "工作表",
    "size": "文件大小（字节）",
    "source": "来源",
    "stage": "阶段",
    "state": "客户端状态",
    "status": "状态",
    "submitters": "建言人",
    "text": "内容",
    "token_hint": "令牌",
    "touched": "涉及的记录",
    "undo": "撤销导入",
    "values_per_key": "各密钥加密的值",
    "version": "版本",
    "what": "导出内容",
    "year": "年度",
}

# Keys whose value is a list of items, never an [old, new] pair.
LIST_KEYS = {"fields", "files", "removed", "batches", "sheets"}

# Codes stored as values, by key.
VALUE_LABELS = {
    "what": {"registration_form": "登记表（附件2）"},
    "format": {"docx": "Word", "xlsx": "Excel", "csv": "CSV", "pdf": "PDF", "zip": "ZIP压缩包"},
    "source": {"demo": "演示数据"},
}
