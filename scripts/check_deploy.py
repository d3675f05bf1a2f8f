"""Checks of deploy/ that need Python: the Kubernetes overlays rendered (scripts/
kustomize_render.py, compared with `kubectl kustomize` where kubectl is installed), every
object validated against the Kubernetes schemas (kubernetes-validate, strict), what the
deployment promises (probes, security context, secrets only referenced, network policy...),
the ConfigMap's portal.toml accepted by `portal check-config`, the Dockerfile's build context,
and the dashboard's JSON. Called by scripts/check-deploy.

usage: check_deploy.py PORTAL_BINARY
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

import kubernetes_validate
import yaml

sys.path.insert(0, os.path.dirname(__file__))
import kustomize_render  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
K8S = os.path.join(ROOT, "deploy", "kubernetes")
KUBERNETES_VERSION = "1.30.0"
# The Secrets the manifests may reference; each is made outside git (README, "Deploy").
SECRETS = {"portal-secrets", "portal-salesforce-jwt", "portal-tls"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def strip_hash(name):
    return re.sub(r"-[a-z0-9]{10}$", "", name)


def normalise(objects):
    """Objects keyed by kind and name, generated names without their hash, for comparing two
    renderings (their hash functions differ)."""
    text = yaml.safe_dump_all(objects, sort_keys=True)
    for name in ("portal-config", "portal-environment"):
        text = re.sub(rf"{name}-[a-z0-9]{{10}}", name, text)
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(text) if o}


def by_kind(objects, kind, name=None):
    return [o for o in objects if o["kind"] == kind and (name is None or strip_hash(o["metadata"]["name"]) == name)]


def check_overlay(overlay, portal):
    where = f"overlays/{overlay}"
    objects = kustomize_render.render(os.path.join(K8S, "overlays", overlay))
    kubectl = shutil.which("kubectl")
    if kubectl:
        real = subprocess.run([kubectl, "kustomize", os.path.join(K8S, "overlays", overlay)],
                              capture_output=True, text=True, check=True).stdout
        ours, theirs = normalise(objects), normalise(list(yaml.safe_load_all(real)))
        check(set(ours) == set(theirs), f"{where}: objects differ from kubectl kustomize: {set(ours) ^ set(theirs)}")
        for key in set(ours) & set(theirs):
            check(ours[key] == theirs[key], f"{where}: {key} differs from kubectl kustomize's")
        print(f"  {where}: the same {len(ours)} objects as kubectl kustomize")
    else:
        print(f"  {where}: kubectl is not installed: rendered by scripts/kustomize_render.py alone")
    for o in objects:
        try:
            kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            failures.append(f"{where}: {o['kind']} {o['metadata']['name']}: {err.message} at {list(err.path)}")
    kinds = {o["kind"] for o in objects}
    for kind in ["Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                 "NetworkPolicy", "ConfigMap", "StatefulSet"]:
        check(kind in kinds, f"{where}: no {kind}")
    check("Secret" not in kinds, f"{where}: a Secret is in the manifests (secrets are never in git)")

    [deployment] = by_kind(objects, "Deployment", "portal")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{where}: readiness probe is not /readyz")
    check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{where}: liveness probe is not /healthz")
    check({"requests", "limits"} <= set(container.get("resources", {})), f"{where}: no resource requests and limits")
    sc = container.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True, f"{where}: the root filesystem is writable")
    check(sc.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed")
    check(pod["securityContext"].get("runAsNonRoot") is True, f"{where}: may run as root")
    check(pod.get("topologySpreadConstraints"), f"{where}: no topology spread")
    check(not container["image"].startswith("customer-portal"), f"{where}: the image is not set by the overlay")
    secret_refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
    secret_refs |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
    for ingress in by_kind(objects, "Ingress"):
        check(ingress["spec"].get("tls"), f"{where}: Ingress without TLS")
        secret_refs |= {t["secretName"] for t in ingress["spec"].get("tls", [])}
    check(secret_refs <= SECRETS, f"{where}: Secrets referenced that the README does not document: {secret_refs - SECRETS}")
    # Every ConfigMap the pod reads is in the manifests.
    config_maps = {o["metadata"]["name"] for o in by_kind(objects, "ConfigMap")}
    used = {v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
    used |= {e["valueFrom"]["configMapKeyRef"]["name"] for e in container["env"] if "configMapKeyRef" in e.get("valueFrom", {})}
    check(used <= config_maps, f"{where}: ConfigMaps read but not made: {used - config_maps}")

    # The portal may reach Redis, DNS and HTTPS outside the cluster, nothing else.
    [policy] = by_kind(objects, "NetworkPolicy", "portal")
    check(set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, f"{where}: portal policy does not restrict both ways")
    egress_ports = sorted(p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", []))
    check(egress_ports == [53, 53, 443, 6379], f"{where}: portal egress ports {egress_ports}")
    [redis_policy] = by_kind(objects, "NetworkPolicy", "portal-redis")
    check(redis_policy["spec"]["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "portal"}}}],
          f"{where}: Redis takes connections from more than the portal")

    # The configuration file the pod reads is one the portal accepts, and its shutdown fits in
    # the pod's grace period.
    [config] = by_kind(objects, "ConfigMap", "portal-config")
    [environment] = by_kind(objects, "ConfigMap", "portal-environment")
    settings = tomllib.loads(config["data"]["portal.toml"])
    shutdown = settings["shutdown"]
    check(pod["terminationGracePeriodSeconds"] > shutdown["drain_delay_secs"] + shutdown["timeout_secs"],
          f"{where}: terminationGracePeriodSeconds does not cover the drain and the shutdown timeout")
    with tempfile.TemporaryDirectory() as tmp:
        toml_path = os.path.join(tmp, "portal.toml")
        accounts = os.path.join(tmp, "local_accounts.json")
        key = os.path.join(tmp, "jwt-key.pem")
        with open(toml_path, "w") as f:
            f.write(config["data"]["portal.toml"])
        with open(accounts, "w") as f:
            f.write(config["data"]["local_accounts.json"])
        with open(key, "w") as f:
            f.write("placeholder: check-config does not read the key\n")
        env = {
            "PATH": os.environ.get("PATH", ""),
            # What the Deployment sets from the ConfigMap and the Secrets (made-up secrets).
            "PORTAL_PUBLIC_URL": environment["data"]["public-url"],
            "PORTAL_SALESFORCE__LOGIN_URL": environment["data"]["salesforce-login-url"],
            "PORTAL_SALESFORCE__USERNAME": environment["data"]["salesforce-username"],
            "PORTAL_AUTH__SECRET_KEY": "x" * 48,
            "PORTAL_METRICS__TOKEN": "metrics-token-for-the-check",
            "PORTAL_SALESFORCE__CONSUMER_KEY": "consumer-key-for-the-check",
            # The mounted paths, here in the temp dir.
            "PORTAL_MOCK__LOCAL_ACCOUNTS_FILE": accounts,
            "PORTAL_SALESFORCE__PRIVATE_KEY_FILE": key,
        }
        result = subprocess.run([portal, "--config", toml_path, "check-config", "--offline"], env=env,
                                capture_output=True, text=True)
        check(result.returncode == 0, f"{where}: portal check-config refuses the ConfigMap's portal.toml: {result.stderr.strip()}")
    print(f"  {where}: {len(objects)} objects valid against the Kubernetes {KUBERNETES_VERSION} schemas; portal.toml accepted")


def dockerignore_excludes(path, patterns):
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            excluded = not negate
    return excluded


def check_build_context():
    """Every path the Dockerfile copies from the build context exists and is not excluded by
    .dockerignore."""
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with open(os.path.join(ROOT, "Dockerfile")) as f:
        lines = f.read().replace("\\\n", " ").splitlines()
    copied = 0
    for line in lines:
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in [w for w in words[1:-1] if not w.startswith("--")]:
            source = source.rstrip("/")
            copied += 1
            check(os.path.exists(os.path.join(ROOT, source)), f"Dockerfile copies {source}, which does not exist")
            check(not dockerignore_excludes(source, patterns), f"Dockerfile copies {source}, which .dockerignore leaves out")
    check(copied >= 6, f"read only {copied} COPY sources from the Dockerfile")
    for excluded in ["target", "web/node_modules", "data", ".git", "web/dist"]:
        check(dockerignore_excludes(excluded, patterns), f".dockerignore lets {excluded} into the build context")
    print(f"  Dockerfile: {copied} build-context sources present and not ignored")


def main():
    portal = sys.argv[1]
    for overlay in ["dev", "prod"]:
        check_overlay(overlay, portal)
    check_build_context()
    if failures:
        print("deploy checks failed:\n  - " + "\n  - ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
