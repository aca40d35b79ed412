"""deploy/: the compose file wires a 3-node Qdrant cluster and UI replicas, and the recipe's commands are the CLI's.

Static checks only: no Docker daemon or Qdrant server runs in CI (deploy/README.md says what was run).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from assistant.cli import parser

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: the compose file cannot be parsed")

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
QDRANT_NODES = ("qdrant-0", "qdrant-1", "qdrant-2")
# an `assistant` command inside a line: at its start, or after a word such as `builder`
COMMAND = re.compile(r"(?:^|\s)(assistant\s.*)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _ui_services(compose: dict) -> dict:
    return {name: s for name, s in compose["services"].items() if name == "ui" or name.startswith("ui-")}


def test_three_qdrant_nodes_form_one_cluster(compose):
    services = compose["services"]
    assert all(name in services for name in QDRANT_NODES)
    for name in QDRANT_NODES:
        node = services[name]
        assert re.match(r"^qdrant/qdrant:v1\.(1[6-9]|[2-9]\d)\.\d+$", node["image"]), node["image"]
        env = node["environment"]
        assert env["QDRANT__CLUSTER__ENABLED"] == "true"
        assert env["QDRANT__SERVICE__API_KEY"].startswith("${QDRANT_API_KEY:?")  # refused when unset
        assert "ports" not in node  # Qdrant is reached only from the project's network
        command = _command(node)
        assert command[command.index("--uri") + 1] == f"http://{name}:6335"
        if name == "qdrant-0":
            assert "--bootstrap" not in command
        else:
            assert command[command.index("--bootstrap") + 1] == "http://qdrant-0:6335"
            assert services[name]["depends_on"]["qdrant-0"]["condition"] == "service_healthy"


def test_every_ui_replica_reads_the_cluster(compose):
    uis = _ui_services(compose)
    assert uis
    replicas = sum(int(s.get("deploy", {}).get("replicas", 1)) for s in uis.values())
    assert replicas >= 2
    for name, service in uis.items():
        env = service["environment"]
        assert env["ASSISTANT_BACKEND"] == "qdrant", name
        assert re.match(r"^http://qdrant(-\d)?:6333$", env["ASSISTANT_QDRANT_URL"]), name
        assert env["ASSISTANT_QDRANT_API_KEY"].startswith("${QDRANT_READ_ONLY_API_KEY")  # a replica only reads
        assert "ports" not in service  # only the load balancer is published
        assert not service.get("volumes")  # stateless apart from the index in Qdrant
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "server ui:7860" in nginx and "proxy_buffering off" in nginx and "$http_upgrade" in nginx


def test_ray_cluster_runs_the_projects_image(compose):
    services = compose["services"]
    head, worker = services["ray-head"], services["ray-worker"]
    assert head["image"] == worker["image"] == services["ui"]["image"] == services["builder"]["image"]
    assert head["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "--head" in _command(head)
    assert "--address=ray-head:6379" in _command(worker)
    for name in ("ray-head", "ray-worker", "builder"):  # Ray's token auth: head, workers and the driver
        env = services[name]["environment"]
        assert env["RAY_AUTH_MODE"] == "token" and env["RAY_AUTH_TOKEN"].startswith("${RAY_AUTH_TOKEN:?"), name
    ray = re.search(r"^ARG RAY_VERSION=(\S+)$", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M).group(1)
    # the image's Ray must be one the project's `cluster` extra accepts (the Dockerfile pins pip to it)
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = next(Requirement(r) for r in project["optional-dependencies"]["cluster"] if r.startswith("ray"))
    assert wanted.specifier.contains(ray), f"deploy/Dockerfile pins Ray {ray}; the cluster extra wants {wanted}"


def _readme_commands() -> list[str]:
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()  # a comment after the command
            found = COMMAND.search(line)
            if found:
                commands.append(found.group(1))
    return commands


def test_readme_commands_are_accepted_by_the_cli(compose):
    commands = _readme_commands()
    assert any(c.startswith("assistant index build") and "--ray" in c for c in commands)
    assert any(c.startswith("assistant index rollback") for c in commands)
    assert any(c.startswith("assistant index verify") for c in commands)
    commands += [shlex.join(_command(s)) for s in compose["services"].values() if _command(s)[:1] == ["assistant"]]
    ap = parser()
    for command in commands:
        argv = shlex.split(command)[1:]
        try:
            args = ap.parse_args(argv)
        except SystemExit:
            pytest.fail(f"the CLI refuses a command of deploy/: {command}")
        assert callable(args.func), command


def test_build_commands_publish_with_shards_and_replicas():
    builds = [c for c in _readme_commands() if c.startswith("assistant index build")]
    assert builds
    ap = parser()
    for command in builds:
        args = ap.parse_args(shlex.split(command)[1:])
        assert args.backend == "qdrant" and args.qdrant_shards == 3 and args.qdrant_replicas == 2, command
        assert args.ray.startswith("ray://"), command


def test_the_image_copies_every_package():
    packages = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    copied = set(re.findall(r"^COPY --chown=\S+ (\w+) \1$", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M))
    missing = {p.split(".")[0] for p in packages} - copied
    assert not missing, f"deploy/Dockerfile does not COPY {sorted(missing)}: `pip install .` in the image would fail"
