/* Presence state machine: liveness, grace, TTL, snapshots and the merge of
 * several gateways (websocket.md §3, behaviours 118, 120–123, 126–127). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/json.h"
#include "presence_state.h"

#define TTL 40000
#define GRACE 5000

static void apply(pstate_t *p, const char *json, int64_t now)
{
    cJSON *r = cJSON_Parse(json);
    assert_non_null(r);
    assert_true(pstate_apply(p, r, now));
    cJSON_Delete(r);
}

/* The view as compact JSON after a sweep at now. */
static char *view_at(pstate_t *p, int64_t now)
{
    static char buf[4096];
    pstate_sweep(p, now);
    cJSON *v = pstate_view(p);
    char *s = json_print_compact(v, NULL);
    snprintf(buf, sizeof buf, "%s", s);
    free(s);
    cJSON_Delete(v);
    return buf;
}

#define JOIN(gw, user, n)                                                                          \
    "{\"gw\":\"" gw "\",\"ev\":[{\"op\":\"join\",\"k\":\"u:" user "\",\"n\":" #n                   \
    ",\"user\":\"" user "\",\"uid\":1,\"img\":\"http://h/media/" user ".png\"}]}"
#define LEAVE(gw, user, n, clean)                                                                  \
    "{\"gw\":\"" gw "\",\"ev\":[{\"op\":\"leave\",\"k\":\"u:" user "\",\"n\":" #n                  \
    ",\"clean\":" #clean ",\"user\":\"" user "\",\"uid\":1,\"img\":null}]}"
#define PING(gw, user, n)                                                                          \
    "{\"gw\":\"" gw "\",\"ev\":[{\"op\":\"ping\",\"k\":\"u:" user "\",\"n\":" #n                   \
    ",\"user\":\"" user "\",\"uid\":1,\"img\":null}]}"
#define GUEST(gw, op, ip, n, clean)                                                                \
    "{\"gw\":\"" gw "\",\"ev\":[{\"op\":\"" op "\",\"k\":\"g:" ip "\",\"n\":" #n                   \
    ",\"clean\":" #clean "}]}"

static void join_order_and_multitab(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, JOIN("A", "alice", 1), 10);
    apply(p, JOIN("A", "bob", 2), 20); /* second tab: counted once */
    assert_string_equal(
        view_at(p, 30),
        "{\"online\":[{\"username\":\"bob\",\"profileImage\":\"http://h/media/bob.png\"},"
        "{\"username\":\"alice\",\"profileImage\":\"http://h/media/alice.png\"}],"
        "\"guests\":0}");
    /* item 120: one tab closes cleanly, the user stays */
    apply(p, LEAVE("A", "bob", 1, true), 40);
    assert_non_null(strstr(view_at(p, 50), "bob"));
    /* the last closes cleanly: gone at once */
    apply(p, LEAVE("A", "bob", 0, true), 60);
    assert_null(strstr(view_at(p, 61), "bob"));
    pstate_free(p);
}

static void guests_by_ip(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, GUEST("A", "join", "1.1.1.1", 1, false), 0);
    apply(p, GUEST("A", "join", "1.1.1.1", 2, false), 0); /* item 118 */
    apply(p, GUEST("A", "join", "2.2.2.2", 1, false), 0);
    assert_string_equal(view_at(p, 1), "{\"online\":[],\"guests\":2}");
    pstate_free(p);
}

static void abnormal_close_grace(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, LEAVE("A", "bob", 0, false), 1000); /* item 121: 1006 / no code */
    assert_non_null(strstr(view_at(p, 1000 + GRACE - 1), "bob"));
    assert_null(strstr(view_at(p, 1000 + GRACE), "bob"));
    /* reconnect within grace keeps the place in the order */
    apply(p, JOIN("A", "ann", 1), 7000);
    apply(p, JOIN("A", "bob", 1), 7001);
    apply(p, LEAVE("A", "ann", 0, false), 7002);
    apply(p, JOIN("A", "ann", 1), 8000);
    assert_true(strstr(view_at(p, 8001), "ann") < strstr(view_at(p, 8001), "bob"));
    pstate_free(p);
}

static void grace_disabled(void **state)
{
    pstate_t *p = pstate_new(TTL, 0);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, LEAVE("A", "bob", 0, false), 1);
    assert_null(strstr(view_at(p, 2), "bob"));
    pstate_free(p);
}

static void ttl_without_pings(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    /* the gateway keeps reporting (snapshots) but bob never pings: item 126 */
    apply(p,
          "{\"gw\":\"A\",\"snapshot\":1,\"final\":true,\"keys\":[{\"k\":\"u:bob\",\"n\":1,"
          "\"age\":20000,\"user\":\"bob\",\"uid\":1,\"img\":null}]}",
          20000);
    assert_non_null(strstr(view_at(p, TTL), "bob"));
    apply(p,
          "{\"gw\":\"A\",\"snapshot\":2,\"final\":true,\"keys\":[{\"k\":\"u:bob\",\"n\":1,"
          "\"age\":40001,\"user\":\"bob\",\"uid\":1,\"img\":null}]}",
          TTL + 1);
    assert_null(strstr(view_at(p, TTL + 1), "bob"));
    /* a later snapshot does not resurrect the silent socket ... */
    apply(p,
          "{\"gw\":\"A\",\"snapshot\":3,\"final\":true,\"keys\":[{\"k\":\"u:bob\",\"n\":1,"
          "\"age\":42000,\"user\":\"bob\",\"uid\":1,\"img\":null}]}",
          TTL + 2000);
    assert_null(strstr(view_at(p, TTL + 2000), "bob"));
    /* ... its next ping does */
    apply(p, PING("A", "bob", 1), TTL + 3000);
    assert_non_null(strstr(view_at(p, TTL + 3000), "bob"));
    pstate_free(p);
}

static void pings_refresh(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, PING("A", "bob", 1), 30000);
    assert_non_null(strstr(view_at(p, 30000 + TTL), "bob"));
    assert_null(strstr(view_at(p, 30001 + TTL), "bob"));
    pstate_free(p);
}

static void two_gateways_merge(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, JOIN("B", "bob", 1), 0);
    apply(p, GUEST("A", "join", "1.1.1.1", 1, false), 0);
    apply(p, GUEST("B", "join", "1.1.1.1", 1, false), 0);
    assert_string_equal(
        view_at(p, 1),
        "{\"online\":[{\"username\":\"bob\",\"profileImage\":\"http://h/media/bob.png\"}],"
        "\"guests\":1}");
    /* bob closes cleanly on A but is still connected through B */
    apply(p, LEAVE("A", "bob", 0, true), 2);
    assert_non_null(strstr(view_at(p, 3), "bob"));
    pstate_free(p);
}

#define JOIN_SINCE(gw, user, since)                                                                \
    "{\"gw\":\"" gw "\",\"ev\":[{\"op\":\"join\",\"k\":\"u:" user "\",\"n\":1,\"since\":" #since   \
    ",\"user\":\"" user "\",\"uid\":1,\"img\":null}]}"

/* §3.4 insertion order across gateways whose batches arrive out of order:
 * keys are placed by when they connected ("since"), not by arrival. */
static void order_by_connect_time_across_gateways(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN_SINCE("A", "ann", 0), 10000);   /* connected at 10000 */
    apply(p, JOIN_SINCE("B", "carl", 10), 10050); /* connected at 10040 */
    apply(p, JOIN_SINCE("A", "bea", 30), 10060);  /* connected at 10030: before carl */
    apply(p, JOIN("A", "dan", 1), 10070);         /* no "since" (older gateway): last */
    char *v = view_at(p, 10080);
    char *ann = strstr(v, "ann"), *bea = strstr(v, "bea"), *carl = strstr(v, "carl"),
         *dan = strstr(v, "dan");
    assert_true(ann && bea && carl && dan);
    assert_true(ann < bea && bea < carl && carl < dan);
    /* a second gateway's much older socket of carl moves carl to the front;
     * jitter within the margin does not reorder */
    apply(p, JOIN_SINCE("B", "ann", 80), 10090);    /* 10010 vs 10000: kept */
    apply(p, JOIN_SINCE("A", "carl", 5000), 10100); /* connected at 5100 */
    v = view_at(p, 10110);
    carl = strstr(v, "carl"), ann = strstr(v, "ann"), bea = strstr(v, "bea");
    assert_true(carl < ann && ann < bea);
    pstate_free(p);
}

/* Random joins (with and without "since"), leaves, pings and snapshots from
 * three gateways: the ordered key list must stay a list (every view lists
 * each user at most once and terminates) whatever order reports come in. */
static void random_reports_keep_the_list_sound(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    unsigned seed = 12345;
    char buf[512];
    int64_t now = 100000;
    for (int i = 0; i < 5000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        char gw = (char)('A' + r % 3), user[8];
        snprintf(user, sizeof user, "u%02u", (r >> 2) % 40);
        unsigned since = (r >> 8) % 3000, op = (r >> 4) % 6;
        now += (r >> 12) % 40;
        if (op <= 2)
            snprintf(buf, sizeof buf,
                     "{\"gw\":\"%c\",\"ev\":[{\"op\":\"join\",\"k\":\"u:%s\",\"n\":1,"
                     "\"since\":%u,\"user\":\"%s\",\"uid\":1,\"img\":null}]}",
                     gw, user, since, user);
        else if (op == 3)
            snprintf(buf, sizeof buf,
                     "{\"gw\":\"%c\",\"ev\":[{\"op\":\"leave\",\"k\":\"u:%s\",\"n\":0,"
                     "\"clean\":%s,\"user\":\"%s\",\"uid\":1,\"img\":null}]}",
                     gw, user, (r & 1) ? "true" : "false", user);
        else if (op == 4)
            snprintf(buf, sizeof buf,
                     "{\"gw\":\"%c\",\"ev\":[{\"op\":\"join\",\"k\":\"u:%s\",\"n\":2,"
                     "\"user\":\"%s\",\"uid\":1,\"img\":null}]}",
                     gw, user, user);
        else
            snprintf(buf, sizeof buf,
                     "{\"gw\":\"%c\",\"seq\":1,\"snapshot\":%d,\"final\":true,\"keys\":"
                     "[{\"k\":\"u:%s\",\"n\":1,\"since\":%u,\"age\":0,\"user\":\"%s\","
                     "\"uid\":1,\"img\":null}]}",
                     gw, i + 1, user, since, user);
        apply(p, buf, now);
        if (i % 50 == 0) {
            char *v = view_at(p, now + (i % 500 == 0 ? TTL : 0));
            for (int u = 0; u < 40; u++) {
                char name[16];
                snprintf(name, sizeof name, "\"u%02d\"", u);
                char *first = strstr(v, name);
                assert_true(!first || !strstr(first + 1, name));
            }
        }
    }
    pstate_free(p);
}

static void dead_gateway_expires(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, JOIN("B", "eve", 1), 0);
    /* B keeps reporting, A dies (kill -9: no leave ever comes) */
    for (int64_t t = 2000; t <= TTL + 2000; t += 2000) {
        apply(p, PING("B", "eve", 1), t);
    }
    char *v = view_at(p, TTL + 2000);
    assert_null(strstr(v, "bob"));
    assert_non_null(strstr(v, "eve"));
    pstate_free(p);
}

static void lost_leave_repaired_by_snapshot(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p, JOIN("A", "bob", 1), 0);
    apply(p, JOIN("A", "eve", 1), 0);
    /* bob's leave was lost; the next snapshot lacks him → grace, then gone */
    apply(p,
          "{\"gw\":\"A\",\"snapshot\":7,\"final\":true,\"keys\":[{\"k\":\"u:eve\",\"n\":1,"
          "\"age\":0,\"user\":\"eve\",\"uid\":2,\"img\":null}]}",
          2000);
    assert_non_null(strstr(view_at(p, 2000 + GRACE - 1), "bob"));
    assert_null(strstr(view_at(p, 2000 + GRACE), "bob"));
    assert_non_null(strstr(view_at(p, 2000 + GRACE), "eve"));
    pstate_free(p);
}

static void restarted_instance_converges(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    /* a fresh instance learns everything from one snapshot */
    apply(p,
          "{\"gw\":\"A\",\"snapshot\":1,\"final\":true,\"keys\":["
          "{\"k\":\"u:bob\",\"n\":2,\"age\":100,\"user\":\"bob\",\"uid\":1,\"img\":\"x\"},"
          "{\"k\":\"g:9.9.9.9\",\"n\":1,\"age\":100}]}",
          0);
    assert_string_equal(
        view_at(p, 1), "{\"online\":[{\"username\":\"bob\",\"profileImage\":\"x\"}],\"guests\":1}");
    pstate_free(p);
}

static void changed_flag_and_transitions(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    view_at(p, 0);
    apply(p, JOIN("A", "bob", 1), 0);
    assert_true(pstate_sweep(p, 1));
    view_at(p, 1);
    apply(p, PING("A", "bob", 1), 2); /* item 122/W8: a ping changes nothing visible */
    assert_false(pstate_sweep(p, 3));
    assert_true(pstate_user_live(p, "bob"));
    apply(p, LEAVE("A", "bob", 0, true), 4);
    assert_true(pstate_sweep(p, 5));
    assert_false(pstate_user_live(p, "bob"));
    pstate_transition_t *t;
    size_t n = pstate_take_transitions(p, &t);
    assert_int_equal(n, 2);
    assert_true(t[0].online);
    assert_false(t[1].online);
    assert_string_equal(t[1].username, "bob");
    pstate_transitions_free(t, n);
    pstate_free(p);
}

static void malformed_reports(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    const char *bad[] = {"[]", "{}", "{\"gw\":\"\"}", "{\"gw\":\"A\",\"ev\":5}",
                         "{\"gw\":\"A\",\"snapshot\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cJSON *r = cJSON_Parse(bad[i]);
        assert_false(pstate_apply(p, r, 0));
        cJSON_Delete(r);
    }
    /* bad items inside a good report are skipped */
    apply(p,
          "{\"gw\":\"A\",\"ev\":[{\"op\":\"join\",\"k\":\"x:1\",\"n\":1},"
          "{\"op\":\"join\",\"k\":\"u:nouser\",\"n\":1},{\"op\":\"fly\",\"k\":\"g:1\",\"n\":1},"
          "{\"op\":\"join\",\"k\":\"g:1.1.1.1\",\"n\":-1}]}",
          0);
    assert_string_equal(view_at(p, 1), "{\"online\":[],\"guests\":0}");
    pstate_free(p);
}

/* Found by fuzz/fuzz_presence.c: a user key whose "user" differs from the
 * key was listed in the view but never counted as live; and names over 300
 * bytes (150 four-byte letters) were never live for last_seen. */
static void user_key_matches_name_and_long_names(void **state)
{
    pstate_t *p = pstate_new(TTL, GRACE);
    apply(p,
          "{\"gw\":\"A\",\"ev\":[{\"op\":\"join\",\"k\":\"u:bob\",\"n\":1,"
          "\"user\":\"mallory\",\"uid\":2,\"img\":null}]}",
          0);
    assert_string_equal(view_at(p, 10), "{\"online\":[],\"guests\":0}");
    char name[601] = "";
    for (int i = 0; i < 150; i++)
        strcat(name, "\xf0\xa0\x80\x80"); /* U+20000, a CJK letter */
    char report[1400];
    snprintf(report, sizeof report,
             "{\"gw\":\"A\",\"ev\":[{\"op\":\"join\",\"k\":\"u:%s\",\"n\":1,"
             "\"user\":\"%s\",\"uid\":3,\"img\":null}]}",
             name, name);
    apply(p, report, 20);
    pstate_sweep(p, 30);
    assert_true(pstate_user_live(p, name));
    assert_false(pstate_user_live(p, "mallory"));
    pstate_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(join_order_and_multitab),
        cmocka_unit_test(guests_by_ip),
        cmocka_unit_test(abnormal_close_grace),
        cmocka_unit_test(grace_disabled),
        cmocka_unit_test(ttl_without_pings),
        cmocka_unit_test(pings_refresh),
        cmocka_unit_test(two_gateways_merge),
        cmocka_unit_test(order_by_connect_time_across_gateways),
        cmocka_unit_test(random_reports_keep_the_list_sound),
        cmocka_unit_test(dead_gateway_expires),
        cmocka_unit_test(lost_leave_repaired_by_snapshot),
        cmocka_unit_test(restarted_instance_converges),
        cmocka_unit_test(changed_flag_and_transitions),
        cmocka_unit_test(malformed_reports),
        cmocka_unit_test(user_key_matches_name_and_long_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
