"""The dashboard's static files (vanilla ES modules, CSS and the vendored chart library).

A data package: it imports nothing. The API serves `STATIC_DIR` at `/` on one machine; in AWS
the same folder is uploaded to S3 behind CloudFront. docs/dashboard.md describes the pages.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
