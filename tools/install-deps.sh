#!/bin/sh
# Install the Debian 12 packages cajal needs to build, test and run its
# examples. Run as root (or with sudo) on a fresh machine.
set -eu
packages="
  build-essential
  libopenblas-dev
  zlib1g-dev
  libcjson-dev
  libcairo2-dev
  libmatio-dev
  dataset-fashion-mnist
  clang
  libclang-rt-14-dev
  pngquant
"
# build-essential        gcc and make
# libopenblas-dev        CBLAS matrix products (every dense/conv layer)
# zlib1g-dev             gzip-compressed IDX data files
# libcjson-dev           JSON: safetensors headers, reading metrics.jsonl
# libcairo2-dev          PNG figures (cajal plot)
# libmatio-dev           MATLAB .mat files (the 92-image set, the Zhang & Desimone rasters)
# dataset-fashion-mnist  Fashion-MNIST under /usr/share/datasets (no download)
# clang                  builds the libFuzzer harnesses in fuzz/ (make fuzz)
# libclang-rt-14-dev     clang's libFuzzer and sanitizer runtimes
# pngquant               256-colour PNGs for docs/figures (tools/make_task_figures.sh)
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; else sudo=""; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-deps: installed$(echo $packages | sed 's/^/ /')"
