"""The deployment files agree with each other: docker-compose.yml wires the same image and the same
services into web, worker and beat, and the Procfile (used by `make run`) runs the same processes."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services():
    with open(ROOT / "docker-compose.yml") as f:
        return yaml.safe_load(f)["services"]  # safe_load resolves the x-app `<<:` merge


def command(service: dict) -> str:
    cmd = service.get("command", "")
    return shlex.join(cmd) if isinstance(cmd, list) else " ".join(cmd.split())


def env(service: dict) -> dict:
    raw = service.get("environment", {})
    if isinstance(raw, list):  # the KEY=value list form
        raw = dict(item.split("=", 1) for item in raw)
    return {k: str(v) for k, v in raw.items()}


def depends_on(service: dict) -> set[str]:
    deps = service.get("depends_on", [])
    return set(deps if isinstance(deps, list) else deps.keys())


def test_all_services_exist(services):
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(services)


def test_app_services_share_one_image(services):
    builds = {repr(services[name].get("build")) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert services["web"].get("build"), "web must be built from the Dockerfile"
    assert len(builds) == 1 and len(images) == 1, (builds, images)


def test_app_services_share_database_and_redis(services):
    urls = {(env(services[n]).get("DATABASE_URL"), env(services[n]).get("REDIS_URL")) for n in APP_SERVICES}
    assert len(urls) == 1, urls
    database_url, redis_url = urls.pop()
    assert re.match(r"postgres(ql)?://[^@/]*@postgres:5432/\w+$", database_url), database_url
    assert re.match(r"redis://redis:6379/\d+$", redis_url), redis_url


def test_app_services_wait_for_postgres_and_redis(services):
    for name in APP_SERVICES:
        assert {"postgres", "redis"} <= depends_on(services[name]), name
        for dep in ("postgres", "redis"):
            condition = services[name]["depends_on"][dep].get("condition")
            if "healthcheck" in services[dep]:
                assert condition == "service_healthy", (name, dep)


def test_commands(services):
    web = command(services["web"])
    assert re.search(r"\bgunicorn qms\.wsgi\b", web), web
    assert "0.0.0.0:8000" in web, "gunicorn must listen on all interfaces inside the container"
    assert re.search(r"migrate --noinput\s*&&.*gunicorn", web), "migrate must run before gunicorn"
    assert any(p.endswith(":8000") for p in map(str, services["web"]["ports"]))
    assert command(services["worker"]).startswith("celery -A qms worker")
    assert command(services["beat"]).startswith("celery -A qms beat")


def test_email_goes_to_mailpit(services):
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    smtp_ports = {str(p).split(":")[-1] for p in services["mailpit"]["ports"]}
    for name in APP_SERVICES:
        e = env(services[name])
        assert e["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend", name
        assert e["EMAIL_HOST"] == "mailpit", name
        assert e["EMAIL_PORT"] in smtp_ports, name


def test_procfile_matches_compose(services):
    procs = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if re.match(r"\w+:", line)
    )
    procs = {name: " ".join(cmd.split()) for name, cmd in procs.items()}
    assert set(APP_SERVICES) <= set(procs), procs
    assert re.search(r"\bgunicorn qms\.wsgi\b", procs["web"])
    assert procs["worker"].startswith("celery -A qms worker")
    assert procs["beat"].startswith("celery -A qms beat")
    # Both ways of running consume the same queue, or tasks would pile up unread in one of them.
    queue = re.compile(r"-Q\s+(\S+)")
    assert queue.search(procs["worker"])[1] == queue.search(command(services["worker"]))[1]


def test_the_two_nodes_profile_adds_a_web_and_a_worker_node_sharing_one_object_store(services):
    """`--profile two-nodes`: a second web and worker from the same image, on the same database and
    Redis, every app service able to use the object store; no second beat; off by default."""
    extra = {name for name, s in services.items() if "two-nodes" in s.get("profiles", [])}
    assert {"web2", "worker2", "minio"} <= extra
    assert not {"postgres", "redis", "web", "worker", "beat"} & extra  # the default stack is unchanged
    assert not [n for n in extra if command(services[n]).startswith("celery -A qms beat")]
    nodes = (*APP_SERVICES, "web2", "worker2")
    assert len({services[n].get("image") for n in nodes}) == 1
    assert len({(env(services[n])["DATABASE_URL"], env(services[n])["REDIS_URL"]) for n in nodes}) == 1
    stores = {
        tuple(sorted((k, v) for k, v in env(services[n]).items() if k.startswith(("S3_", "FILE_"))))
        for n in nodes
    }
    assert len(stores) == 1, "every node must name the same object store"
    # What compose makes of `${VAR:-default}` with nothing set.
    store = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", v) for k, v in stores.pop()}
    assert store["FILE_STORE"] == "local", "the object store is chosen with FILE_STORE=s3"
    assert store["S3_ENDPOINT_URL"].startswith("http://minio:") and store["S3_BUCKET"]
    assert re.search(r"\bgunicorn qms\.wsgi\b", command(services["web2"]))
    assert "migrate" not in command(services["web2"]), "only the first web node migrates"
    assert command(services["worker2"]) == command(services["worker"])
    assert {"postgres", "redis"} <= depends_on(services["web2"]) and {"postgres", "redis"} <= depends_on(
        services["worker2"]
    )
    # Each node has its own local directory (none is shared between machines).
    assert services["web2"]["volumes"] != services["web"]["volumes"]
