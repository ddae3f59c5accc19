#!/usr/bin/env bash
# Checks that every package the build found (find_package, pkg_check_modules, and what they pulled in)
# comes from a Debian package that scripts/packages.sh installs, directly or as a hard dependency of
# one it installs. A Recommends does not count: the scripts install with --no-install-recommends.
#
#   scripts/check-packages.sh BUILD_DIR [--without PKG]...
#
# --without drops a package from the list, to show what a list missing it would lead to.
# Exits 0 when complete, 1 naming each file whose package is missing, 2 on bad usage.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: check-packages.sh BUILD_DIR [--without PKG]...}
shift
cache=$build/CMakeCache.txt
[ -f "$cache" ] || { echo "check-packages: $cache not found: configure the build first" >&2; exit 2; }

. "$here/packages.sh"
declare -A listed=()
for p in "${INVENTORY_PACKAGES[@]}"; do listed[$p]=1; done
while [ $# -gt 0 ]; do
    [ "$1" = "--without" ] && [ -n "${2:-}" ] || { echo "check-packages: unknown argument $1" >&2; exit 2; }
    unset "listed[$2]"
    shift 2
done

# The hard-dependency closure of the listed packages, over what is installed, in one dpkg-query
# and one awk: each installed package's Depends and Pre-Depends, every alternative of an "a | b"
# counted, versions and :any dropped.
declare -A closure=()
while read -r p; do
    closure[$p]=1
done < <(dpkg-query -W -f='${db:Status-Status}\t${Package}\t${Depends}, ${Pre-Depends}\n' 2>/dev/null |
    awk -F'\t' -v listed="${!listed[*]}" '
        $1 == "installed" { deps[$2] = $3 }
        END {
            n = split(listed, queue, " ")
            for (i = 1; i <= n; i++) {
                p = queue[i]
                if (p in seen) continue
                seen[p] = 1
                print p
                if (!(p in deps)) continue
                m = split(deps[p], ds, /[,|]/)
                for (j = 1; j <= m; j++) {
                    d = ds[j]
                    sub(/\(.*\)/, "", d); sub(/:any/, "", d); gsub(/ /, "", d)
                    if (d != "" && (d in deps) && !(d in seen)) queue[++n] = d
                }
            }
        }')

# The packages that hold each file, from one `dpkg -S` over every name a file may be known by (its
# merged-/usr name, its /lib name, where a link points): "path<TAB>pkg pkg".
declare -A owner=()
owners_of() {
    local path
    for path in "$@"; do printf '%s\n%s\n%s\n' "$path" "$(readlink -f "$path")" "${path#/usr}"; done |
        grep '^/' | sort -u | xargs -r dpkg -S 2>/dev/null | grep -v '^diversion' |
        sed -n 's/^\(.*\): \(\/.*\)$/\2\t\1/p' | sed 's/, */ /g; s/:[a-z0-9]*\( \|$\)/\1/g'
}
owners() {
    # The owners of the first of a file's names that dpkg knows.
    local path=$1 candidate
    for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}"; do
        [ -n "${owner[$candidate]:-}" ] && { echo "${owner[$candidate]}"; return 0; }
    done
    return 1
}

# What the build used: the package configurations CMake loaded (a <Name>_DIR holding its config file),
# the libraries pkg-config found, and every library on a link line. Optional finds that no target
# links (an EGL or Vulkan found on this machine, say) are not needed, so they are not checked.
source_dir=$(cd "$here/.." && pwd)
{
    grep -E '^[A-Za-z0-9_]+_DIR:PATH=/' "$cache" | grep -v '^CMAKE_' | while IFS= read -r entry; do
        config=$(ls "${entry#*=}"/*Config.cmake "${entry#*=}"/*-config.cmake 2>/dev/null | head -1)
        [ -n "$config" ] && echo "${entry%%:*} $config"
    done
    grep -E '^pkgcfg_lib_[A-Za-z0-9_]+:FILEPATH=/' "$cache" | sed 's/:FILEPATH=/ /'
    find "$build" -name link.txt -path '*CMakeFiles*' -exec cat {} + | tr ' ' '\n' |
        grep -E '^/.*\.(so|a)(\.[0-9.]+)?$' | sort -u | sed 's/^/linked /'
} >"$build/check-packages.list"

files=()
while read -r name file; do
    [ -e "$file" ] && files+=("$file")
done <"$build/check-packages.list"
while IFS=$'\t' read -r path pkgs; do
    owner[$path]=$pkgs
done < <(owners_of "${files[@]}")

failed=0
checked=0
while read -r name file; do
    [ -e "$file" ] || continue
    case $file in "$build"/* | "$source_dir"/*) continue ;; esac
    checked=$((checked + 1))
    [ "$name" = linked ] && name="linked $file"
    pkgs=$(owners "$file") || pkgs=
    verdict=
    for pkg in $pkgs; do
        pkg=${pkg%%:*}
        if [ -n "${listed[$pkg]:-}" ]; then
            verdict="$pkg (in scripts/packages.sh)"
            break
        elif [ -n "${closure[$pkg]:-}" ]; then
            verdict="$pkg (a dependency of the listed packages)"
            break
        fi
    done
    if [ -n "$verdict" ]; then
        echo "ok   $name: $verdict"
    elif [ -z "$pkgs" ]; then
        echo "FAIL $name: no Debian package provides $file (built by hand?); a new machine will not have it"
        failed=$((failed + 1))
    else
        echo "FAIL $name: $file comes from $pkgs, which scripts/packages.sh does not install (nor does" \
            "any package it installs depend on it): add ${pkgs%% *} to INVENTORY_PACKAGES"
        failed=$((failed + 1))
    fi
done <"$build/check-packages.list"
if [ "$checked" -eq 0 ]; then
    echo "FAIL nothing to check in $cache: the build found no packages, so this check cannot vouch for it"
    exit 1
fi
echo "check-packages: $checked files the build used, $failed from packages that a new machine would lack"
[ "$failed" -eq 0 ]
