#!/usr/bin/env bash
# Benchmark: ingesting one 12-megapixel phone photo (4000×3000 JPEG, EXIF
# orientation "RightTop", i.e. lying on its side) through our pipeline —
# `qinqing-cli doc add`: sniff, decode with limits, turn upright, drop
# metadata, downscale to 2400 px, JPEG q85, 320 px thumbnail, SHA-256, store,
# database row — beside ImageMagick on the same file in the same run:
#   convert IN -auto-orient -strip -resize 2400x2400 -quality 85 OUT
# (which makes no thumbnail, no hash and no row). Best of 5 each.
# Target (issue 4): ours no slower than ImageMagick, i.e. ratio <= 1.00.
#
# Then the cost of encryption at rest (issue 35): `qinqing-bench doc-ingest`
# ingests the same photo into a ledger opened as the app opens it (documents
# sealed with XChaCha20-Poly1305 under the ledger's key) and into one opened
# without encryption (a setting of the benchmark only:
# Qinqing::open_unencrypted_for_benchmark), interleaved in the same run, fresh
# ledgers each round, best and median of ROUNDS each.
# Target (issue 35): with encryption <= 1.20 x without.
#
# Usage: bench/doc-ingest.sh [ROUNDS]   (default 7; installs imagemagick if
#                                        missing; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
IM=/usr/bin/convert
if ! "$IM" -version 2>/dev/null | grep -q ImageMagick; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends imagemagick >/dev/null
fi
ROUNDS="${1:-7}"
cargo build --release -q -p qinqing-cli -p qinqing-bench
CLI="$PWD/target/release/qinqing-cli"
BENCH="$PWD/target/release/qinqing-bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A photo-like 4000×3000 JPEG (plasma noise), marked as lying on its side.
"$IM" -size 4000x3000 -seed 42 plasma:fractal -blur 0x1 -quality 92 "$work/plain.jpg"
# Splice in an EXIF segment as a phone writes it: orientation 6 and a GPS IFD.
python3 - "$work/plain.jpg" "$work/photo.jpg" <<'PY'
import struct, sys
jpg = open(sys.argv[1], "rb").read()
t = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 2)
t += struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0)          # Orientation = 6 (RightTop)
t += struct.pack("<HHII", 0x8825, 4, 1, 38)             # GPS IFD at offset 38
t += struct.pack("<I", 0) + struct.pack("<H", 1)
t += struct.pack("<HHI", 0x0001, 2, 2) + b"N\0\0\0"      # GPSLatitudeRef = N
t += struct.pack("<I", 0)
seg = b"Exif\0\0" + t
open(sys.argv[2], "wb").write(jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + jpg[2:])
PY
echo "input: $(identify -format '%wx%h' "$work/photo.jpg"), orientation $(identify -format '%[orientation]' "$work/photo.jpg"), $(stat -c %s "$work/photo.jpg") bytes"

ms_now() { date +%s%N; }
best_ours=999999
for i in 1 2 3 4 5; do
  rm -rf "$work/db"* && mkdir -p "$work/dbdir"
  db="$work/dbdir/b$i.db"
  "$CLI" --db "$db" init >/dev/null
  "$CLI" --db "$db" person add --name 张伟 --id 340104198211080174 --insurance employee --region 310115 >/dev/null
  t0=$(ms_now)
  "$CLI" --db "$db" --json doc add --person 1 --kind hukou "$work/photo.jpg" > "$work/ours.json"
  t1=$(ms_now)
  d=$(( (t1 - t0) / 1000000 )); (( d < best_ours )) && best_ours=$d
done
best_im=999999
for i in 1 2 3 4 5; do
  t0=$(ms_now)
  "$IM" "$work/photo.jpg" -auto-orient -strip -resize 2400x2400 -quality 85 "$work/im.jpg"
  t1=$(ms_now)
  d=$(( (t1 - t0) / 1000000 )); (( d < best_im )) && best_im=$d
done
size=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%sx%s, %s bytes" % (d["width"], d["height"], d["bytes"]))' "$work/ours.json")
echo "ours (qinqing-cli doc add): ${best_ours} ms  -> ${size}"
echo "ImageMagick convert:        ${best_im} ms  -> $(identify -format '%wx%h, %b' "$work/im.jpg")"
status=0
awk -v a="$best_ours" -v b="$best_im" 'BEGIN { printf "ratio ours/ImageMagick:     %.2f\n", a / b; exit !(a <= b) }' \
  && echo "OK: no slower than ImageMagick" || { echo "SLOWER than ImageMagick"; status=1; }

echo
echo "encryption at rest, the same ingest in the same run (qinqing-bench doc-ingest):"
"$BENCH" doc-ingest "$work/photo.jpg" "$ROUNDS" || status=1
exit $status
