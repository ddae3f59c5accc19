#!/usr/bin/env bash
# Builds the .deb and checks it the way a user meets it, inside a brand-new Debian 12 root:
#
#   ../shared/tools/fresh-debian -- packaging/check-deb.sh
#
# 1. builds the package (scripts/package.sh), then purges every package the build installed, so the
#    machine is back to a minimal Debian;
# 2. apt-get install ./inventory-console_*.deb must pull in all it needs;
# 3. as a normal user: sandbox start, init, purchase, audit and a short simulate; the console opens
#    under xvfb-run and saves a screenshot;
# 4. lintian (no errors), appstreamcli validate, the man page and bash completion load, and
#    systemd-analyze verify accepts an instance of the load agent's unit;
# 5. apt-get remove leaves none of the package's files behind.
# Root only: it installs and removes packages. Exits non-zero at the first check that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "check-deb: run as root inside a fresh root (fresh-debian -- $0)" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
OUT=${CHECK_DEB_OUT:-/tmp/check-deb}
rm -rf "$OUT"
mkdir -p "$OUT"
chmod 755 "$OUT"
step() { echo; echo "== check-deb: $*"; }
fail() { echo "check-deb: FAILED: $*" >&2; exit 1; }

step "building the package"
dpkg-query -W -f='${Package}\n' | sort >"$OUT/packages-before"
BUILD_DIR=build-deb scripts/package.sh >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; fail "build"; }
deb=$(ls "$PWD"/build-deb/inventory-console_*.deb)
cp "$deb" "$OUT/"
deb=$OUT/$(basename "$deb")
echo "built $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
echo "files:"
dpkg-deb --contents "$deb" | awk '{print $1, $6}' | tee "$OUT/contents"

step "purging what the build installed, back to a minimal system"
dpkg-query -W -f='${Package}\n' | sort >"$OUT/packages-built"
added=$(comm -13 "$OUT/packages-before" "$OUT/packages-built")
# shellcheck disable=SC2086
apt-get purge -y -q $added >"$OUT/purge.log" 2>&1 || { tail -20 "$OUT/purge.log"; fail "purge"; }
apt-get autoremove --purge -y -q >>"$OUT/purge.log" 2>&1
echo "purged $(wc -w <<<"$added") packages"
command -v cmake >/dev/null && fail "cmake still installed after the purge"
[ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ] ||
    fail "PostgreSQL still installed after the purge"

step "apt-get install ./$(basename "$deb")"
apt-get install -y -q "$deb" >"$OUT/install.log" 2>&1 || { tail -30 "$OUT/install.log"; fail "install"; }
grep -E '^(Setting up|Unpacking) ' "$OUT/install.log" | sed -n 's/^Setting up \([^ ]*\).*/\1/p' | sort |
    tr '\n' ' ' | fold -s -w 110
echo
for p in inventory-console libqt6sql6-psql libqt6svg6 postgresql redis-server; do
    dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || fail "$p was not installed"
done
if ldd /usr/bin/inventory-console | grep 'not found'; then fail "unresolved shared libraries"; fi
inventory-console --version
dpkg -L inventory-console | sort >"$OUT/installed-files"
unit=/usr/lib/systemd/system/inventory-console-agent@.service
grep -qx "$unit" "$OUT/installed-files" || fail "the package lacks $unit"

step "as a normal user: sandbox, init, purchase, audit, simulate"
id clerk >/dev/null 2>&1 || useradd -m -s /bin/bash clerk
as_operator() { su - clerk -c "$*"; }
as_operator "inventory-console sandbox start"
as_operator "inventory-console init --products 20 --stock 40"
as_operator "inventory-console purchase SKU-0001 3 --reason 'check-deb'"
as_operator "inventory-console restock SKU-0002 5 --reason 'check-deb'"
as_operator "inventory-console stock SKU-0001"
as_operator "inventory-console audit --limit 5"
rc=0
as_operator "inventory-console simulate --scenario flash-sale --buyers 300 --stock 50 --servers 2 \
    --connections 2 --report /tmp/check-deb-report.json" || rc=$?
[ "$rc" -le 1 ] || fail "simulate exited $rc"
report=/tmp/check-deb-report.json
grep -q '"oversold": 0' "$report" || fail "the simulation oversold: $(grep oversold "$report")"
grep -q '"ledger_ok": true' "$report" || fail "the simulation's ledger did not reconcile"
echo "simulate exited $rc (0: every SLO passed; 1: a performance SLO missed on this host); oversold 0, ledger ok"
if as_operator "inventory-console purchase SKU-0003 100000"; then fail "an impossible purchase succeeded"; fi
test "$(as_operator 'inventory-console audit --sku SKU-0001 --json' | grep -c '"action"')" -ge 1 ||
    fail "the purchase has no audit row"

step "the console under xvfb-run"
apt-get install -y -q --no-install-recommends xvfb xauth >"$OUT/xvfb.log" 2>&1 || fail "installing xvfb"
as_operator "xvfb-run -a -s '-screen 0 1280x800x24' inventory-console --page inventory --sku SKU-0001 \
    --screenshot /tmp/installed-console.png --quit-when-done"
cp /tmp/installed-console.png "$OUT/installed-console.png" || fail "no screenshot was saved"
echo "screenshot: $OUT/installed-console.png ($(du -h "$OUT/installed-console.png" | cut -f1))"
as_operator "inventory-console sandbox stop"

step "lintian, AppStream, man page and bash completion"
apt-get install -y -q --no-install-recommends lintian appstream man-db bash-completion >"$OUT/tools.log" 2>&1 ||
    fail "installing the check tools"
lintian --info --display-info "$deb" | tee "$OUT/lintian.txt" || true
grep -q '^E: ' "$OUT/lintian.txt" && fail "lintian reported errors"
echo "lintian: $(grep -c '^E: ' "$OUT/lintian.txt") errors, $(grep -c '^W: ' "$OUT/lintian.txt") warnings," \
    "$(grep -c '^I: ' "$OUT/lintian.txt") notes"
appstreamcli validate --no-net /usr/share/metainfo/org.inventoryconsole.InventoryConsole.metainfo.xml
man -l /usr/share/man/man1/inventory-console.1.gz 2>"$OUT/man.err" | col -b >"$OUT/man.txt"
[ ! -s "$OUT/man.err" ] || { cat "$OUT/man.err"; fail "the man page has warnings"; }
grep -q -- '--race-delay-ms' "$OUT/man.txt" || fail "the man page lacks --race-delay-ms"
echo "man page: $(wc -l <"$OUT/man.txt") lines, no warnings"
completion=$(bash -c '. /usr/share/bash-completion/bash_completion
    COMP_WORDS=(inventory-console simulate --scen); COMP_CWORD=2; COMP_LINE="inventory-console simulate --scen"
    COMP_POINT=${#COMP_LINE}; _inventory_console 2>/dev/null || { _completion_loader inventory-console; _inventory_console; }
    echo "${COMPREPLY[*]}"')
[ "$completion" = "--scenario" ] || fail "bash completion of 'simulate --scen' gave '$completion'"
echo "bash completion: 'inventory-console simulate --scen' completes to $completion"
command -v systemd-analyze >/dev/null ||
    apt-get install -y -q --no-install-recommends systemd >>"$OUT/tools.log" 2>&1 || fail "installing systemd"
# An instance of the template, as `systemctl enable inventory-console-agent@check` would load it; its
# Documentation= key must resolve to the man page, its ExecStart= to the installed binary.
mkdir -p "$OUT/unit"
cp "$unit" "$OUT/unit/inventory-console-agent@check.service"
systemd-analyze verify "$OUT/unit/inventory-console-agent@check.service" >"$OUT/unit-verify.txt" 2>&1 ||
    { cat "$OUT/unit-verify.txt"; fail "systemd-analyze verify rejected the agent's unit"; }
echo "systemd unit: $unit verifies"

step "apt-get remove leaves nothing behind"
apt-get remove -y -q inventory-console >"$OUT/remove.log" 2>&1 || fail "remove"
left=0
while IFS= read -r f; do
    [ -f "$f" ] || [ -L "$f" ] || continue
    echo "left behind: $f"
    left=$((left + 1))
done <"$OUT/installed-files"
[ "$left" -eq 0 ] || fail "$left files left behind"
dpkg-query -W -f='${Status}' inventory-console 2>/dev/null | grep -q "config-files" &&
    fail "configuration files left behind"
echo "removed: none of the $(wc -l <"$OUT/installed-files") installed paths is left"

echo
echo "check-deb: all checks passed; the package, its file list, lintian's output and the screenshot are in $OUT"
