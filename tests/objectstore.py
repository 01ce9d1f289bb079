"""A real S3-protocol server on this machine for the tests (no S3 service is reachable here):
moto in standalone server mode on a free loopback port, and the file store pointed at a bucket
of it. The same server serves the web and worker processes of the two-node test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from qms.storage import s3_store

KEY, SECRET, REGION = "qms-test-key", "qms-test-secret", "eu-central-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """``moto_server`` as a subprocess: its endpoint, fresh buckets, and the settings and the
    environment that point the file store at one."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        moto = Path(sys.executable).parent / "moto_server"
        self.proc = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("moto_server did not start:\n" + log.read_text()) from None
                time.sleep(0.1)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        name = f"qms-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def storage_settings(self, bucket: str, prefix: str = "") -> dict:
        return s3_store(
            bucket=bucket,
            endpoint_url=self.endpoint,
            region=REGION,
            access_key=KEY,
            secret_key=SECRET,
            prefix=prefix,
            addressing_style="path",
        )

    def environment(self, bucket: str) -> dict[str, str]:
        """What a process of the application needs in its environment to use the bucket."""
        return {
            "FILE_STORE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": KEY,
            "S3_SECRET_ACCESS_KEY": SECRET,
            "S3_ADDRESSING_STYLE": "path",
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)


class Store:
    """The file store a test runs against, seen from outside the application: what names it
    holds, their bytes, and a way to damage or remove one (as a disk or an operator would)."""

    def __init__(self, kind: str, *, root: Path | None = None, s3: S3Server | None = None, bucket: str = ""):
        self.kind, self.root, self.s3, self.bucket = kind, root, s3, bucket

    def names(self) -> list[str]:
        if self.kind == "local":
            return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
        listed = self.s3.client().list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return sorted(o["Key"] for o in listed)

    def read(self, name: str) -> bytes:
        if self.kind == "local":
            return (self.root / name).read_bytes()
        return self.s3.client().get_object(Bucket=self.bucket, Key=name)["Body"].read()

    def write(self, name: str, data: bytes) -> None:
        if self.kind == "local":
            (self.root / name).write_bytes(data)
        else:
            self.s3.client().put_object(Bucket=self.bucket, Key=name, Body=data)

    def delete(self, name: str) -> None:
        if self.kind == "local":
            (self.root / name).unlink()
        else:
            self.s3.client().delete_object(Bucket=self.bucket, Key=name)
