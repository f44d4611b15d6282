"""The S3 bucket fixtures: moto's S3 server on a loopback port (a real S3
HTTP API), and a new private bucket per test, made the default storage by the
settings' own function from TONGXIN_S3_* variables."""

import uuid
from dataclasses import dataclass

import boto3
import pytest

from tongxin import settings as project_settings

PREFIX = "tongxin-media"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server) on a free loopback port, for the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    environ: dict
    client: object

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def s3_environ(endpoint: str, name: str) -> dict:
    return {
        "TONGXIN_S3_BUCKET": name,
        "TONGXIN_S3_ENDPOINT_URL": endpoint,
        "TONGXIN_S3_REGION": "cn-south-1",
        "TONGXIN_S3_ACCESS_KEY_ID": "tongxin-test",
        "TONGXIN_S3_SECRET_ACCESS_KEY": "tongxin-test-secret",
        "TONGXIN_S3_PREFIX": f"/{PREFIX}/",
        "TONGXIN_S3_ADDRESSING_STYLE": "path",
    }


@pytest.fixture
def bucket(s3_endpoint, settings) -> Bucket:
    """A new private bucket, made the default storage as TONGXIN_S3_* would."""
    name = f"tongxin-{uuid.uuid4().hex[:12]}"
    environ = s3_environ(s3_endpoint, name)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="cn-south-1",
        aws_access_key_id="tongxin-test",
        aws_secret_access_key="tongxin-test-secret",
    )
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "cn-south-1"}
    )
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_storage(environ)}
    return Bucket(name=name, environ=environ, client=client)
