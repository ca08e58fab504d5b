/* Fuzzes the presence daemon's input: a sequence of gateway reports
 * (echochat.presence.report, proto/schemas/presence.report.json) applied to
 * one state, with the clock advanced between them, followed by sweeps, the
 * view, live lookups and last_seen transitions, as the report thread and the
 * timer do. Input: one report per line; the first byte of each line (mod 64)
 * advances the clock by that many seconds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/json.h"
#include "fuzz_lines.h"
#include "presence_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pstate_t *st = pstate_new(40000, 5000);
    if (!st)
        abort();
    const uint8_t *p = data, *end = data + size;
    int64_t now = 1000000;
    while (p < end) {
        char *line = fuzz_take_line(&p, end);
        size_t n = strlen(line);
        if (n) {
            now += (int64_t)((unsigned char)line[0] % 64) * 1000;
            cJSON *r = json_parse(line + 1, n - 1);
            if (r)
                (void)pstate_apply(st, r, now);
            cJSON_Delete(r);
            (void)pstate_sweep(st, now);
        }
        free(line);
        cJSON *view = pstate_view(st);
        if (!view)
            abort();
        const cJSON *online = cJSON_GetObjectItemCaseSensitive(view, "online");
        const cJSON *u;
        cJSON_ArrayForEach(u, online)
        {
            const char *name = json_str(u, "username");
            if (!name || !pstate_user_live(st, name))
                abort(); /* the view shows live users only */
        }
        cJSON_Delete(view);
        pstate_transition_t *t = NULL;
        size_t nt = pstate_take_transitions(st, &t);
        pstate_transitions_free(t, nt);
    }
    pstate_free(st);
    return 0;
}
