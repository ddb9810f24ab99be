# Sourced by the benchmarks: write_many_notes_playbook N FILE writes a
# playbook of N note.add steps, the cheapest step the engine runs, so that
# what is timed is the engine and its journal.
write_many_notes_playbook() {
  local steps=$1 file=$2 i
  {
    echo "name: many-notes"
    echo "stages:"
    echo "  evaluate:"
    for ((i = 1; i <= steps; i++)); do
      printf '    - id: n%d\n      module: note.add\n      with: {text: "note %d"}\n' "$i" "$i"
    done
  } >"$file"
}
