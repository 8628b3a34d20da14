#!/usr/bin/env bash
# Packaging test: build the release .deb and .rpm (scripts/package.sh), install
# the .deb with dpkg, launch the INSTALLED binary under Xvfb through
# tauri-driver and check the main screen comes up, uninstall cleanly, and
# check the .rpm's file list. Prints the bundle sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
for p in rpm; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }; done
# The bundle identifier is cn.qinqing.desktop (tauri.conf.json): the Tauri
# CLI warns about one that ends in .app, as cn.qinqing.app did.
scripts/package.sh 2>&1 | tee target/package.log
if grep -q 'identifier.*ends with.*\.app' target/package.log; then echo "the bundle identifier ends in .app (tauri.conf.json)"; exit 1; fi
DEB=$(ls -t target/window/bundle/deb/*.deb | head -1)
RPM=$(ls -t target/window/bundle/rpm/*.rpm | head -1)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo

echo "== rpm file list"
rpm -qlp "$RPM" | tee target/rpm-files.txt
for f in /usr/bin/qinqing /usr/share/applications/Qinqing.desktop /usr/share/icons/hicolor/128x128/apps/qinqing.png; do
  grep -qx "$f" target/rpm-files.txt || { echo "rpm is missing $f"; exit 1; }
done
rpm -qp --requires "$RPM" | grep -q webkit2gtk4.1 || { echo "rpm does not require webkit2gtk4.1"; exit 1; }

echo "== install $DEB"
$SUDO dpkg -i "$DEB"
test -x /usr/bin/qinqing
grep -q "Name\[zh_CN\]=亲情医保" /usr/share/applications/Qinqing.desktop
grep -qa 'cn\.qinqing\.desktop' /usr/bin/qinqing || { echo "the installed app does not carry the identifier cn.qinqing.desktop"; exit 1; }
QINQING_E2E_APP=/usr/bin/qinqing cargo test --test e2e_installed -- --ignored --nocapture
echo "== remove"
$SUDO dpkg -r qinqing
test ! -e /usr/bin/qinqing
echo "== sizes"
ls -l "$DEB" "$RPM"
