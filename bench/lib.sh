# Helpers of bench/run.sh and bench/onnxruntime/compare.sh (sourced).
# value KEY FILE: the number after "KEY " on its line of FILE (empty if absent)
value() { awk -v k="$1" '$1 == k { print $2; exit }' "$2" 2>/dev/null; }
# calc EXPR: awk arithmetic, printed with up to 4 significant digits
calc() { awk "BEGIN { v = $1; printf \"%.4g\", v }"; }
# ok CONDITION: "yes" or "NO", for a table's last column
ok() { awk "BEGIN { exit !($1) }" && echo yes || echo NO; }
