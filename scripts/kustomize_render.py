"""Renders a kustomization the way `kustomize build` does, for the features that
deploy/kubernetes uses and no others (an unknown field stops it): resources (files and
directories), namespace, labels (metadata only), images, configMapGenerator (files, literals,
behavior create/replace; a content hash suffix, with references renamed) and JSON 6902
patches (add, replace, remove) selected by kind and name.

kustomize itself is on none of the registries this project installs from (crates.io, PyPI,
npm, Debian): see docs/decisions/021-deployment-checks.md. scripts/check-deploy compares this
output with `kubectl kustomize` wherever kubectl is installed.
"""

import copy
import hashlib
import json
import os
import sys

import yaml

KNOWN = {
    "apiVersion", "kind", "resources", "namespace", "labels", "images",
    "configMapGenerator", "patches",
}


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def build(directory):
    with open(os.path.join(directory, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    unknown = set(k) - KNOWN
    if unknown:
        raise SystemExit(f"{directory}: kustomization fields this renderer does not know: {unknown}")
    objects = []
    for resource in k.get("resources", []):
        path = os.path.normpath(os.path.join(directory, resource))
        if os.path.isdir(path):
            objects.extend(build(path))
        else:
            objects.extend(load_docs(path))
    for gen in k.get("configMapGenerator", []):
        data = {}
        for file in gen.get("files", []):
            with open(os.path.join(directory, file)) as f:
                data[os.path.basename(file)] = f.read()
        for literal in gen.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = value
        behavior = gen.get("behavior", "create")
        existing = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == gen["name"]]
        if behavior == "create":
            if existing:
                raise SystemExit(f"{directory}: ConfigMap {gen['name']} generated twice")
            objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": gen["name"], "_generated": True}, "data": data})
        elif behavior == "replace":
            if not existing:
                raise SystemExit(f"{directory}: no ConfigMap {gen['name']} to replace")
            existing[0]["data"] = data
        else:
            raise SystemExit(f"{directory}: configMapGenerator behavior {behavior} not supported")
    for patch in k.get("patches", []):
        target = patch["target"]
        ops = yaml.safe_load(patch["patch"])
        matched = [o for o in objects if o["kind"] == target["kind"] and o["metadata"]["name"] == target["name"]]
        if not matched:
            raise SystemExit(f"{directory}: patch target {target} matches nothing")
        for o in matched:
            for op in ops:
                apply_op(o, op)
    for image in k.get("images", []):
        for o in objects:
            for c in containers(o):
                name, _, _ = c["image"].partition(":")
                if name == image["name"]:
                    c["image"] = f"{image.get('newName', name)}:{image['newTag']}" if "newTag" in image else image.get("newName", name)
    if "namespace" in k:
        for o in objects:
            o["metadata"]["namespace"] = k["namespace"]
    for labels in k.get("labels", []):
        if set(labels) - {"pairs"}:
            raise SystemExit(f"{directory}: labels options {set(labels) - {'pairs'}} not supported")
        for o in objects:
            o["metadata"].setdefault("labels", {}).update(labels["pairs"])
    return objects


def containers(o):
    spec = o.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def apply_op(obj, op):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    parent = obj
    for p in parts[:-1]:
        parent = parent[int(p)] if isinstance(parent, list) else parent[p]
    last = parts[-1]
    if op["op"] in ("replace", "add"):
        if isinstance(parent, list):
            if last == "-":
                parent.append(op["value"])
            elif op["op"] == "add":
                parent.insert(int(last), op["value"])
            else:
                parent[int(last)] = op["value"]
        else:
            if op["op"] == "replace" and last not in parent:
                raise SystemExit(f"replace of a missing path {op['path']}")
            parent[last] = op["value"]
    elif op["op"] == "remove":
        del parent[int(last) if isinstance(parent, list) else last]
    else:
        raise SystemExit(f"patch op {op['op']} not supported")


def finish(objects):
    """Names generated ConfigMaps after their content, as kustomize does, and renames the
    references to them (env valueFrom, envFrom, volumes)."""
    renames = {}
    for o in objects:
        if o["kind"] == "ConfigMap" and o["metadata"].pop("_generated", False):
            digest = hashlib.sha256(json.dumps(o["data"], sort_keys=True).encode()).hexdigest()[:10]
            new = f"{o['metadata']['name']}-{digest}"
            renames[o["metadata"]["name"]] = new
            o["metadata"]["name"] = new
    for o in objects:
        spec = o.get("spec", {}).get("template", {}).get("spec", {})
        for v in spec.get("volumes", []):
            if "configMap" in v and v["configMap"]["name"] in renames:
                v["configMap"]["name"] = renames[v["configMap"]["name"]]
        for c in containers(o):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("configMapKeyRef")
                if ref and ref["name"] in renames:
                    ref["name"] = renames[ref["name"]]
            for e in c.get("envFrom", []):
                ref = e.get("configMapRef")
                if ref and ref["name"] in renames:
                    ref["name"] = renames[ref["name"]]
    return objects


def render(directory):
    return finish(copy.deepcopy(build(directory)))


if __name__ == "__main__":
    yaml.safe_dump_all(render(sys.argv[1]), sys.stdout, sort_keys=True)
