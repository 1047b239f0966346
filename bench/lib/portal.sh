# Shared by the bench scripts (source it, do not run it): builds the portal, starts it on a temporary SQLite file
# with a throwaway admin, waits until it answers and signs in, so the caller can talk to it as that admin.
#   source bench/lib/portal.sh; start_portal_signed_in 5198
# Sets: port, db (the SQLite file; its folder holds scratch files and goes away on exit), jar (signed-in cookie
# jar), pid (the portal). The portal's output goes to $PORTAL_LOG when set, else nowhere.

start_portal_signed_in() {
  port="$1"; db=$(mktemp -d)/bench.db
  dotnet build src/Web -c Release -nologo -v quiet >/dev/null
  # A fresh password per run: the admin exists only in this temporary database.
  local pass="bench-$RANDOM-$RANDOM"; jar=$(dirname "$db")/cookies
  LayerLab__Database="Data Source=$db" LayerLab__Admin__Email=bench@lab.local LayerLab__Admin__Password="$pass" \
    dotnet src/Web/bin/Release/net10.0/LayerLab.Web.dll --urls "http://127.0.0.1:$port" >"${PORTAL_LOG:-/dev/null}" 2>&1 &
  pid=$!; trap 'kill $pid 2>/dev/null; rm -rf "$(dirname "$db")"' EXIT
  until command curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
  # Sign in through the form like a browser (antiforgery token + cookie); callers send the cookie on every API call.
  local token
  token=$(command curl -s -c "$jar" "http://127.0.0.1:$port/account/signin" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//')
  command curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$port/account/signin" \
    --data-urlencode email=bench@lab.local --data-urlencode "password=$pass" --data-urlencode "__RequestVerificationToken=$token"
}
