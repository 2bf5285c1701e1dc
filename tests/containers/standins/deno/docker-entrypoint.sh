#!/bin/sh
# Like the official image's: a deno subcommand or option as first argument runs deno.
set -e
if [ "$1" != "${1#-}" ]; then
  exec deno "$@"
fi
case "$1" in
  bench | bundle | cache | check | compile | completions | coverage | doc | eval | fmt | help | info | init | install | lint | lsp | publish | repl | run | serve | task | test | types | uninstall | upgrade)
    exec deno "$@" ;;
esac
exec "$@"
