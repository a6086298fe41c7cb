#!/usr/bin/env bash
# Makes sure Stone's cpu_air_prover and cpu_air_verifier are built, once per machine, and prints the
# directory that holds them. The commit and layouts are in stone.env beside this script.
#   stone.sh --packages   only install the Debian packages the build needs (CI does it while other work runs)
#
# Where: a cache outside the clone, ${STARKRISK_STONE_HOME:-${XDG_CACHE_HOME:-~/.cache}/starkrisk/stone-<commit>},
# whose bin/ the service looks in when stone.prover_binary is unset (crates/stone reads stone.env too).
# From what: ../shared/vendor/stone-prover.bundle when this clone sits beside it, otherwise a clone of the
# upstream repository at the same commit (said on stderr).
# How: Stone v3 builds with Bazel, whose rules download toolchains; instead this lays the CMakeLists.txt
# files of the CMake-era commit over v3's tree, adds what v3 has that they lack (the 13 layout definitions,
# reduced to STONE_LAYOUTS; the felt channels; the Poseidon assembly), and builds the two binaries with
# Debian's clang, CMake and libraries (installed here when missing and root, else named for you to install).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=stone.env
. "$here/stone.env"
home="${STARKRISK_STONE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/starkrisk/stone-$STONE_COMMIT}"
say() { echo "stone.sh: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -x "$home/bin/cpu_air_prover" ] && [ -x "$home/bin/cpu_air_verifier" ]; then
  echo "$home/bin"
  exit 0
fi

"$here/debian-packages.sh" "Stone's build" cmake make clang libgtest-dev libgflags-dev libgoogle-glog-dev \
  libgmp-dev libdw-dev git

[ "${1:-}" = "--packages" ] && exit 0

say "building Stone $STONE_COMMIT (cpu_air_prover, cpu_air_verifier; layouts: $STONE_LAYOUTS) into $home; once per machine, about 9 minutes on 2 cores"
work="$home/work"
rm -rf "$work"
mkdir -p "$work"
bundle="$here/../../../shared/vendor/stone-prover.bundle"
if [ -s "$bundle" ]; then
  git -c init.defaultBranch=main clone -q --no-checkout "$bundle" "$work/src" >&2
else
  say "no ../shared/vendor beside this clone: cloning $STONE_UPSTREAM at $STONE_COMMIT instead"
  git -c init.defaultBranch=main clone -q --no-checkout "$STONE_UPSTREAM" "$work/src" >&2
fi
src="$work/src"
git -C "$src" -c advice.detachedHead=false checkout -q "$STONE_COMMIT"
git -C "$src" cat-file -e "$STONE_CMAKE_TEMPLATE_COMMIT^{commit}" ||
  die "the source has no commit $STONE_CMAKE_TEMPLATE_COMMIT to take the CMake files from"

# The template's CMake files, over v3's tree (every directory they name still exists in v3).
git -C "$src" ls-tree -r --name-only "$STONE_CMAKE_TEMPLATE_COMMIT" | grep -E '(^|/)CMakeLists\.txt$' >"$work/cmake-files"
git -C "$src" archive "$STONE_CMAKE_TEMPLATE_COMMIT" $(cat "$work/cmake-files") | tar -x -C "$src"

# Clang 14 warns about v3's unused parameters; the template's -Werror would stop the build on them.
# The template also names clang 12, which Debian does not ship: its default clang serves.
sed -i -e '/-Werror/d' -e 's|/usr/bin/clang++-12|clang++|; s|/usr/bin/clang-12|clang|' "$src/CMakeLists.txt"

# Only the layouts asked for: each is a template instantiation of 100 k lines that takes minutes.
board="$src/src/starkware/air/cpu/board"
indices=()
for layout in $STONE_LAYOUTS; do
  file=$(grep -l "kLayoutName\[\] = \"$layout\";" "$board"/cpu_air_definition[0-9]*.h) ||
    die "Stone $STONE_COMMIT has no layout named $layout"
  index=$(basename "$file" .h)
  indices+=("${index#cpu_air_definition}")
done
types=$(printf 'std::integral_constant<int, %s>, ' "${indices[@]}")
python3 - "$board/cpu_air_definition.h" "${types%, }" <<'PY'
import re, sys
path, types = sys.argv[1], sys.argv[2]
text = open(path).read()
text, n = re.subn(r"InvokedTypes<[^;]*>;", "InvokedTypes<" + types + ">;", text, count=1, flags=re.S)
if n != 1:
    sys.exit("stone.sh: cpu_air_definition.h has no InvokedTypes list to narrow")
open(path, "w").write(text)
PY
definitions=$(printf 'cpu_air_definition%s.cc ' "${indices[@]}")
sed -i "s|^add_library(cpu_air cpu_air.h)|add_library(cpu_air cpu_air.h $definitions)|" "$board/CMakeLists.txt"
grep -q "cpu_air_definition" "$board/CMakeLists.txt" || die "the template's board/CMakeLists.txt has changed shape"

# v3's felt channels (the Poseidon channel Integrity verifies).
channel="$src/src/starkware/channel/CMakeLists.txt"
sed -i 's|^add_library(channel channel.cc|add_library(channel channel.cc noninteractive_prover_felt_channel.cc noninteractive_verifier_felt_channel.cc|' "$channel"
grep -q "felt_channel" "$channel" || die "the template's channel/CMakeLists.txt has changed shape"

# v3's Poseidon in assembly, linked with the rest of the third-party code.
cat >"$src/src/third_party/poseidon/CMakeLists.txt" <<'CMAKE'
add_library(poseidon f251_asm.s f251.c poseidon.c poseidon_rc.c)
target_compile_definitions(poseidon PRIVATE ASSEMBLY)
CMAKE
third="$src/src/third_party/CMakeLists.txt"
sed -i 's|^set(THIRD_PARTY_LIBS glog gflags pthread jsoncpp)|set(THIRD_PARTY_LIBS glog gflags pthread jsoncpp poseidon)|' "$third"
echo "add_subdirectory(poseidon)" >>"$third"
grep -q "jsoncpp poseidon" "$third" || die "the template's third_party/CMakeLists.txt has changed shape"

jobs=$(nproc)
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 ||
  die "CMake could not configure Stone; see $work/cmake.log"
make -C "$work/build" -j"$jobs" cpu_air_prover cpu_air_verifier >"$work/make.log" 2>&1 ||
  die "Stone did not build: $(grep -m1 -E 'error' "$work/make.log" || echo 'no error line'); see $work/make.log"
mkdir -p "$home/bin"
install -m 755 "$work/build/src/starkware/main/cpu/cpu_air_prover" "$work/build/src/starkware/main/cpu/cpu_air_verifier" "$home/bin/"
# The sources and objects are several GB; the binaries are all that is kept.
rm -rf "$work"
say "built $home/bin/cpu_air_prover and cpu_air_verifier"
echo "$home/bin"
