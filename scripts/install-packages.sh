#!/usr/bin/env bash
# Installs the Debian packages AddigySync needs to build, test and run its demo: the SQLite,
# OpenSSL and libcurl headers, pkg-config, make, and Python 3 with pytest and jsonschema for the
# client tests and the protocol check. Runs apt-get through sudo unless it already runs as root.
set -euo pipefail

packages=(libsqlite3-dev libssl-dev libcurl4-openssl-dev pkg-config make python3 python3-pytest python3-jsonschema
          util-linux)
as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}"

# A python3 other than the system one (pyenv, a virtualenv) does not see the Debian modules.
for module in jsonschema pytest; do
    if ! python3 -c "import $module" 2>/dev/null; then
        python3 -m pip install --quiet "$module"
    fi
done
