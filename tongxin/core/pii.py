"""Encryption at rest of resident ID and mobile numbers (issue 7, PIPL).

The database holds, for each identifier, an AES-256-GCM ciphertext
("<key id>$<base64(nonce | ciphertext | tag)>", the field's name as associated
data, a random 96-bit nonce) and keyed hashes (HMAC-SHA256, "blind indexes")
beside it, so exact lookups and uniqueness work on the hash without the
plaintext ever being stored. docs/decisions.md explains the design,
docs/deployment.md the keys and their rotation (`tongxin pii_rotate_key`).

Keys come from the environment (TONGXIN_PII_KEY: one base64url 32-byte key)
or a key file (TONGXIN_PII_KEY_FILE, by default DATA_DIR/pii_keys.json,
created with mode 0600 on first use) holding versioned encryption keys, which
one is current, and the blind-index key. Never from the database or the repo.
"""

import base64
import binascii
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models

KEY_BYTES = 32
NONCE_BYTES = 12
FILE_FORMAT = 1
# How often a process looks at the key file's modification time: a rotation
# run by another process adds a key, and rows it re-encrypted must still be
# read here (an unknown key id also forces a reload at once).
RECHECK_SECONDS = 2.0


class PIIKeyError(Exception):
    """The keys needed to encrypt, decrypt or index personal identifiers are missing or wrong."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]
    index_key: bytes
    source: str  # where the keys came from, for error messages
    ciphers: dict[str, AESGCM]

    @classmethod
    def build(cls, *, current: str, keys: dict[str, bytes], index_key: bytes, source: str):
        if current not in keys:
            raise PIIKeyError(f"个人信息密钥（{source}）中没有当前密钥 {current}")
        for key_id, key in keys.items():
            if len(key) != KEY_BYTES or "$" in key_id or not key_id:
                raise PIIKeyError(f"个人信息密钥（{source}）中的密钥 {key_id!r} 无效：须为32字节")
        if len(index_key) != KEY_BYTES:
            raise PIIKeyError(f"个人信息密钥（{source}）中的索引密钥无效：须为32字节")
        ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        return cls(current, dict(keys), index_key, source, ciphers)


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError, TypeError):
        raise PIIKeyError(f"{what} 不是有效的 base64url 编码") from None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_key_id(existing=()) -> str:
    while True:
        key_id = secrets.token_hex(3)
        if key_id not in existing:
            return key_id


def _keyring_from_env(text: str) -> Keyring:
    master = _b64decode(text.strip(), "TONGXIN_PII_KEY")
    if len(master) != KEY_BYTES:
        raise PIIKeyError("TONGXIN_PII_KEY 须为32字节的 base64url 编码（见 docs/deployment.md）")
    # Two independent keys from the one secret, and a key id that changes
    # with it, so data written under another key fails with a clear message.
    encryption = hmac.digest(master, b"tongxin pii encryption key", "sha256")
    index = hmac.digest(master, b"tongxin pii blind index key", "sha256")
    key_id = "e" + hmac.digest(master, b"tongxin pii key id", "sha256").hex()[:5]
    return Keyring.build(
        current=key_id, keys={key_id: encryption}, index_key=index, source="TONGXIN_PII_KEY"
    )


def key_file_path() -> Path:
    configured = getattr(settings, "PII_KEY_FILE", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "pii_keys.json"


def _keyring_from_file_data(data: dict, source: str) -> Keyring:
    try:
        keys = {str(k): _b64decode(v, f"{source} 中的密钥 {k}") for k, v in data["keys"].items()}
        return Keyring.build(
            current=str(data["current"]),
            keys=keys,
            index_key=_b64decode(data["index_key"], f"{source} 中的索引密钥"),
            source=source,
        )
    except (KeyError, AttributeError, TypeError):
        raise PIIKeyError(f"密钥文件 {source} 格式不正确（见 docs/deployment.md）") from None


def write_key_file(path: Path, ring: Keyring, *, replace: bool) -> None:
    """Write `ring` to `path` (mode 0600) atomically; without `replace`, only if absent."""
    data = {
        "format": FILE_FORMAT,
        "current": ring.current,
        "keys": {key_id: _b64encode(key) for key_id, key in ring.keys.items()},
        "index_key": _b64encode(ring.index_key),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            # link() fails if the file appeared meanwhile (another process
            # created it first): then that one is the key, not ours.
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
    finally:
        temporary.unlink(missing_ok=True)


def _create_key_file(path: Path) -> None:
    key_id = new_key_id()
    ring = Keyring.build(
        current=key_id,
        keys={key_id: AESGCM.generate_key(bit_length=256)},
        index_key=secrets.token_bytes(KEY_BYTES),
        source=str(path),
    )
    write_key_file(path, ring, replace=False)


def load_key_file(path: Path, *, create: bool = True) -> Keyring:
    if not path.exists():
        if not create:
            raise PIIKeyError(f"找不到个人信息密钥文件 {path}（见 docs/deployment.md）")
        _create_key_file(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PIIKeyError(f"无法读取个人信息密钥文件 {path}：{error}") from None
    return _keyring_from_file_data(data, str(path))


_lock = threading.Lock()
_cache: dict = {"signature": None, "ring": None, "mtime": None, "checked": 0.0}


def _file_mtime(path: Path):
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def keyring(*, refresh: bool = False) -> Keyring:
    """The keys of this deployment, cached; re-read when the key file changes."""
    # Called for every value a bulk insert encrypts or hashes: the cached
    # path avoids building the file's Path (10 µs → under 1 µs a call).
    env_key = getattr(settings, "PII_KEY", "")
    signature = (env_key, getattr(settings, "PII_KEY_FILE", ""), settings.DATA_DIR)
    now = time.monotonic()
    cached = _cache["ring"]
    if cached is not None and _cache["signature"] == signature and not refresh:
        if env_key or now - _cache["checked"] < RECHECK_SECONDS:
            return cached
        _cache["checked"] = now
        if _file_mtime(key_file_path()) == _cache["mtime"]:
            return cached
    path = key_file_path()
    with _lock:
        if env_key:
            ring, mtime = _keyring_from_env(env_key), None
        else:
            ring = load_key_file(path)
            mtime = _file_mtime(path)
        _cache.update(signature=signature, ring=ring, mtime=mtime, checked=now)
        return ring


def reset_keyring_cache() -> None:
    _cache.update(signature=None, ring=None, mtime=None, checked=0.0)


def encrypt(value: str, purpose: str, *, ring: Keyring | None = None) -> str:
    """Ciphertext of `value` under the current key; "" stays "" (nothing to hide)."""
    if not value:
        return value
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current].encrypt(nonce, value.encode(), purpose.encode())
    return ring.current + "$" + base64.b64encode(nonce + sealed).decode()


def key_id_of(stored: str) -> str:
    return stored.partition("$")[0]


def decrypt(stored: str, purpose: str, *, ring: Keyring | None = None) -> str:
    """The plaintext of a value written by `encrypt`; PIIKeyError if it cannot be read."""
    if not stored:
        return stored
    key_id, separator, payload = stored.partition("$")
    if not separator:
        raise PIIKeyError(f"{purpose} 列中的值不是密文（未运行 people 迁移？）")
    ring = ring or keyring()
    cipher = ring.ciphers.get(key_id)
    if cipher is None:
        ring = keyring(refresh=True)  # a rotation elsewhere may have added it
        cipher = ring.ciphers.get(key_id)
        if cipher is None:
            raise PIIKeyError(
                f"无法解密 {purpose}：密钥 {key_id} 不在 {ring.source} 中。"
                "请从密钥备份恢复密钥文件（见 docs/deployment.md）"
            )
    try:
        raw = base64.b64decode(payload)
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise PIIKeyError(
            f"无法解密 {purpose}：密钥 {key_id} 校验失败（密钥文件不对，或数据被改动）"
        ) from None


def blind_index(value: str, purpose: str, *, ring: Keyring | None = None, length: int = 32) -> str:
    """A keyed hash of `value` for equality lookups ("" for ""); hex, `length` characters.

    Without the index key it cannot be reversed by trying every ID or mobile,
    unlike a plain hash. `purpose` separates the indexes of different fields.
    """
    if not value:
        return ""
    ring = ring or keyring()
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.digest(ring.index_key, message, "sha256").hex()[:length]


def bulk_decryptor(purpose: str) -> Callable[[str], str]:
    """`decrypt` for many values of one column, with the keys bound once (a
    million IDs read for dedupe keys: the cipher's time and little more)."""
    ring = keyring()
    associated = purpose.encode()
    b64decode = base64.b64decode

    def decrypt_one(stored: str) -> str:
        if not stored:
            return stored
        key_id, _, payload = stored.partition("$")
        cipher = ring.ciphers.get(key_id)
        if cipher is None:  # rotated since: the slow path reloads and explains
            return decrypt(stored, purpose)
        raw = b64decode(payload)
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated).decode()

    return decrypt_one


def bulk_blind_index(purpose: str, *, length: int = 32) -> Callable[[str], str]:
    """`blind_index` for many values under one purpose, with the key bound once."""
    key = keyring().index_key
    prefix = purpose.encode() + b"\x00"
    digest = hmac.digest

    def index_one(value: str) -> str:
        if not value:
            return ""
        return digest(key, prefix + value.encode(), "sha256").hex()[:length]

    return index_one


# The ID suffix index: a keyed hash of the last SUFFIX_LENGTH characters.
# At a million persons one 4-character suffix matches about a hundred of
# them, which search then decrypts and compares in full (people/search.py).
SUFFIX_LENGTH = 4


def id_number_hash(id_number: str, *, ring: Keyring | None = None) -> str:
    return blind_index(id_number.upper(), "id_number", ring=ring)


def id_suffix_hash(id_number: str, *, ring: Keyring | None = None) -> str:
    suffix = id_number.upper()[-SUFFIX_LENGTH:]
    if len(suffix) < SUFFIX_LENGTH:
        return ""
    return blind_index(suffix, "id_suffix", ring=ring, length=16)


def mobile_hash(mobile: str, *, ring: Keyring | None = None) -> str:
    return blind_index(mobile, "mobile", ring=ring)


class EncryptedCharField(models.CharField):
    """A CharField whose Python value is plaintext and whose column holds its ciphertext.

    The column is TEXT whatever `max_length` says (which still limits the
    plaintext in forms). Lookups other than isnull are refused: a ciphertext
    never equals another, so `filter(id_number=…)` would silently find
    nothing. Look up through the blind-index column beside it instead.
    """

    encrypted = True  # core/bulk.py: not written verbatim

    def db_type(self, connection):
        return connection.data_types["TextField"]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value, self.name)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return encrypt(value, self.name)

    def bulk_encryptor(self):
        """A function encrypting one value under the current key, for bulk inserts.

        Binds the key, cipher and associated data once: a hundred thousand
        rows then cost the cipher's own time and little more (core/bulk.py).
        """
        ring = keyring()
        cipher, prefix, purpose = ring.ciphers[ring.current], ring.current + "$", self.name.encode()
        urandom, b64encode = os.urandom, base64.b64encode

        def encrypt_one(value):
            if value is None or value == "":
                return value
            nonce = urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, str(value).encode(), purpose)
            return prefix + b64encode(nonce + sealed).decode()

        return encrypt_one

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: look it up through its "
            f"keyed hash (e.g. {self.name}_hash), not with __{lookup_name}"
        )

    def get_transform(self, lookup_name):
        return None
