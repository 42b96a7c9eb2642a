#!/usr/bin/env python3
"""The local stack's `docker push`: put a minimal valid image into the emulator's ECR repositories.

On AWS the operator builds and pushes each service's image between `deploy.yml --tags repositories`
and `deploy.yml` (README "On real AWS"). The emulator has no registry endpoint for docker, so this
pushes through the ECR API exactly what `docker push` leaves behind: the image config and one layer
as blobs (InitiateLayerUpload / UploadLayerPart / CompleteLayerUpload, skipped when
BatchCheckLayerAvailability already has them), then a schemaVersion 2 Docker image manifest that
references them (PutImage) with the tag. A tag that already exists is skipped (the platform's
repositories have immutable tags), so a second push changes nothing.

Emulator only: it refuses an endpoint that is not on loopback.

    local_ecr.py push ENDPOINT REGION TAG REPOSITORY [REPOSITORY ...]
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import tarfile
from urllib.parse import urlparse

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class PushError(RuntimeError):
    """What keeps the images from being pushed (no repository, not the emulator)."""


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer() -> tuple[bytes, str]:
    """(gzipped tar, diff ID of the uncompressed tar) of a layer holding one small file, byte-stable."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        body = b"platform_ops.aws local image\n"
        info = tarfile.TarInfo("etc/platform-image")
        info.size, info.mtime, info.mode = len(body), 0, 0o644
        tar.addfile(info, io.BytesIO(body))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), _digest(uncompressed)


def minimal_image(tag: str) -> tuple[dict[str, bytes], str]:
    """({digest: blob} of the config and the layer, manifest JSON) of a linux/amd64 image labelled with its
    tag (so each tag is an image of its own, as separate builds are)."""
    layer, diff_id = _layer()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"org.opencontainers.image.version": tag}, "User": "10001"},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created_by": "platform_ops.aws scripts/local_ecr.py"}],
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": LAYER_TYPE, "size": len(layer), "digest": _digest(layer)}],
        },
        indent=3,
    )
    return {_digest(config): config, _digest(layer): layer}, manifest


def _client(endpoint: str, region: str):
    import boto3  # noqa: PLC0415 - only the push needs it
    from botocore.config import Config  # noqa: PLC0415

    host = urlparse(endpoint).hostname or ""
    if host not in LOOPBACK:
        raise PushError(
            f"{endpoint} is not the local emulator: on AWS push with docker "
            "(aws ecr get-login-password | docker login ...; docker push ...)"
        )
    return boto3.client(
        "ecr",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the emulator's dummy key
        config=Config(retries={"mode": "standard", "total_max_attempts": 10}),
    )


def _tag_exists(ecr, repository: str, tag: str) -> bool:
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ecr.exceptions.ImageNotFoundException:
        return False
    return True


def _upload_blobs(ecr, repository: str, blobs: dict[str, bytes]) -> None:
    have = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=list(blobs))["layers"]
    available = {layer["layerDigest"] for layer in have if layer.get("layerAvailability") == "AVAILABLE"}
    for digest, blob in blobs.items():
        if digest in available:
            continue
        upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
        ecr.upload_layer_part(
            repositoryName=repository,
            uploadId=upload,
            partFirstByte=0,
            partLastByte=len(blob) - 1,
            layerPartBlob=blob,
        )
        ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[digest])


def push_images(endpoint: str, region: str, repositories: list[str], tag: str) -> list[str]:
    """Push the tag to every repository (skipping those that have it); one line per repository.
    Raises PushError naming the repositories that do not exist (nothing is pushed then)."""
    ecr = _client(endpoint, region)
    wanted = list(dict.fromkeys(repositories))
    found = set()
    for page in ecr.get_paginator("describe_repositories").paginate():
        found.update(r["repositoryName"] for r in page["repositories"])
    absent = [name for name in wanted if name not in found]
    if absent:
        raise PushError(
            f"no ECR repository {', '.join(absent)} in {region} at {endpoint}: create the repositories first "
            "(ansible-playbook deploy.yml -i <inventory> --tags repositories)"
        )
    blobs, manifest = minimal_image(tag)
    lines = []
    for name in wanted:
        if _tag_exists(ecr, name, tag):
            lines.append(f"{name}:{tag} already pushed")
            continue
        _upload_blobs(ecr, name, blobs)
        image = ecr.put_image(
            repositoryName=name,
            imageManifest=manifest,
            imageManifestMediaType=MANIFEST_TYPE,
            imageTag=tag,
            imageDigest=_digest(manifest.encode()),  # what ECR computes: sha256 of the manifest bytes
        )["image"]
        lines.append(f"{name}:{tag} pushed ({image['imageId']['imageDigest']})")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 5 or argv[0] != "push":
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, region, tag, *repositories = argv[1:]
    try:
        print("\n".join(push_images(endpoint, region, repositories, tag)))
    except PushError as exc:
        print(f"local_ecr: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
