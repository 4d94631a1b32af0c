#!/bin/sh
# check_report.sh REPORT_DIR [SCREENSHOT.png] -- the browser test of a report.
#
# Opens REPORT_DIR/index.html in headless Chromium (Debian's `chromium`) and
# checks that every <img> of the page loaded (complete, naturalWidth > 0)
# and that the browser logged no console message (the report has no
# script, so any message -- an error, a blocked resource, a warning -- is a
# fault); then takes a screenshot (default REPORT_DIR/screenshot.png).
#
# How the images are checked: a copy of the report gets a wrapper page that
# loads index.html in an iframe and, on the iframe's load event (which
# waits for its images), writes "IMAGES n BAD b [src...]" into itself;
# --dump-dom prints the wrapper after its load.  Reading the iframe needs
# --allow-file-access-from-files (file: pages are otherwise each their own
# origin).  Console messages come from --enable-logging=stderr, as
# ":CONSOLE" lines.
#
# Exit: 0 pass, 1 fail (what failed on stdout), 77 skip (no Chromium:
# set CHROMIUM to use another binary).  REPORT_DIR must not contain spaces
# or URL metacharacters (the tests use mktemp directories).
set -u
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ $# -lt 1 ]; then
    echo "usage: $0 REPORT_DIR [SCREENSHOT.png]" >&2
    exit 2
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM not found; install Debian's chromium package (apt-get install chromium) to run the browser test"
    exit 77
fi
dir=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL: $1: no such directory"; exit 1; }
shot=${2:-$dir/screenshot.png}
[ -f "$dir/index.html" ] || { echo "FAIL: $dir/index.html missing"; exit 1; }

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/site" "$work/profile" && cp -R "$dir"/. "$work/site"/ || { echo "FAIL: cannot copy $dir"; exit 1; }
cat > "$work/site/__browser_check.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>browser check</title></head><body>
<pre id="result">PENDING</pre>
<iframe id="f" src="index.html" width="1280" height="2000" onload="check()"></iframe>
<script>
function check() {
  var out = document.getElementById('result'), d = null;
  try { d = document.getElementById('f').contentDocument; } catch (e) { d = null; }
  if (!d) { out.textContent = 'NOACCESS'; return; }
  var imgs = d.images, bad = [];
  for (var i = 0; i < imgs.length; i++)
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) bad.push(imgs[i].getAttribute('src'));
  out.textContent = 'IMAGES ' + imgs.length + ' BAD ' + bad.length + (bad.length ? ' ' + bad.join(' ') : '');
}
</script></body></html>
HTML

flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
timeout 120 "$CHROMIUM" $flags --user-data-dir="$work/profile" --allow-file-access-from-files \
    --enable-logging=stderr --v=0 --virtual-time-budget=10000 \
    --dump-dom "file://$work/site/__browser_check.html" > "$work/dom" 2> "$work/log"
rc=$?
fail=0
if [ $rc -ne 0 ]; then
    echo "FAIL: chromium exited $rc"
    fail=1
fi
result=$(sed -n 's/.*<pre id="result">\([^<]*\)<\/pre>.*/\1/p' "$work/dom")
case "$result" in
    "IMAGES 0 BAD 0") echo "FAIL: the page has no image"; fail=1 ;;
    "IMAGES "*" BAD 0") echo "images: $result" ;;
    "IMAGES "*) echo "FAIL: images that did not load: $result"; fail=1 ;;
    *) echo "FAIL: the page could not be inspected (${result:-no result})"; fail=1 ;;
esac
if grep -q ':CONSOLE' "$work/log"; then
    echo "FAIL: console messages:"
    grep ':CONSOLE' "$work/log" | sed 's/^/  /'
    fail=1
else
    echo "console: no message"
fi
[ $fail -eq 0 ] || exit 1

rm -f "$shot"
timeout 120 "$CHROMIUM" $flags --user-data-dir="$work/profile" --window-size=1280,3000 \
    --screenshot="$shot" "file://$dir/index.html" > /dev/null 2>&1
magic=$(od -An -tx1 -N8 "$shot" 2>/dev/null | tr -d ' \n')
if [ "$magic" != "89504e470d0a1a0a" ]; then
    echo "FAIL: no PNG screenshot at $shot"
    exit 1
fi
echo "screenshot: $shot ($(wc -c < "$shot") bytes)"
echo "PASS"
exit 0
