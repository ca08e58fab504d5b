/* Session storage: id generation, hashing (OpenSSL SHA-256) and the single
 * indexed query behind every request's identity. Runs on bus worker threads;
 * state lives in PostgreSQL only, so any number of instances agree. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "echo/db.h"
#include "echo/db_stmt.h"
#include "echo/log.h"
#include "echo/text.h"
#include "user.h"

static const char ID_ALPHABET[] = "abcdefghijklmnopqrstuvwxyz0123456789";

int session_new_id(char *out)
{
    if (text_random(out, SESSION_ID_LEN, ID_ALPHABET) != 0)
        return -1;
    out[SESSION_ID_LEN] = '\0';
    return 0;
}

bool session_id_well_formed(const char *s)
{
    if (!s || strlen(s) != SESSION_ID_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

int session_hash(const char *s, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* Finds the session, checks expiry and activity, and returns the whole
 * account in USER_COLUMNS order (the hash left out) plus the expiry, so the
 * handlers that show the user need no second query. A plain read: the
 * last_seen stamp (api.md §2.4, at most once per 10 s) is a separate
 * statement run only when due. Prepared once per connection: this is the
 * hot path of every request. */
static const db_stmt_t RESOLVE = {
    "auth_session_resolve",
    "SELECT u.id, u.username, ''::text, u.email, u.bio, u.avatar, u.is_active, u.is_staff,"
    " u.is_superuser, floor(extract(epoch FROM u.date_joined) * 1000000)::bigint,"
    " floor(extract(epoch FROM u.last_login) * 1000000)::bigint,"
    " floor(extract(epoch FROM s.created_at))::bigint + " STR(AUTH_SESSION_LIFETIME) ","
    " (u.last_seen IS NULL OR u.last_seen < now() - interval '10 seconds')"
    " FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id"
    " WHERE s.hash = $1 AND u.is_active"
    "  AND s.created_at > now() - interval '" STR(AUTH_SESSION_LIFETIME) " seconds'",
    1};
#define RESOLVE_STALE_COL 12

static const db_stmt_t STAMP = {
    "auth_session_stamp",
    "UPDATE auth.users SET last_seen = now() WHERE id = $1"
    " AND (last_seen IS NULL OR last_seen < now() - interval '10 seconds')",
    1};
#define RESOLVE_EXPIRES_COL 11

session_status_t session_resolve(const char *raw_id, session_user_t *out, char *hash_hex, user_t *full)
{
    char hex[SESSION_HASH_HEX + 1];
    if (!session_id_well_formed(raw_id))
        return SESSION_NONE;
    if (session_hash(raw_id, hex) != 0)
        return SESSION_ERROR;
    if (hash_hex)
        memcpy(hash_hex, hex, sizeof hex);
    const char *params[] = {hex};
    PGresult *r = db_stmt_exec(&RESOLVE, params);
    if (!r)
        return SESSION_ERROR;
    session_status_t st = SESSION_NONE;
    if (PQntuples(r) == 1) {
        out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        snprintf(out->username, sizeof out->username, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->avatar, sizeof out->avatar, "%s", PQgetvalue(r, 0, 5));
        out->is_staff = PQgetvalue(r, 0, 7)[0] == 't';
        out->is_superuser = PQgetvalue(r, 0, 8)[0] == 't';
        out->expires_at = strtoll(PQgetvalue(r, 0, RESOLVE_EXPIRES_COL), NULL, 10);
        if (full)
            user_from_row(r, 0, full);
        st = SESSION_FOUND;
        if (PQgetvalue(r, 0, RESOLVE_STALE_COL)[0] == 't') {
            /* Best effort: a missed stamp only makes "last seen" older. */
            const char *uid[] = {PQgetvalue(r, 0, 0)};
            PGresult *u = db_stmt_exec(&STAMP, uid);
            if (u)
                PQclear(u);
        }
    }
    PQclear(r);
    return st;
}

static bool exec_ok(const char *sql, int n, const char *const *params)
{
    PGresult *r = db_query(sql, n, params);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

int session_create(int64_t user_id, const char *replaced_hash, char *id_out)
{
    char hex[SESSION_HASH_HEX + 1], uid[24];
    if (session_new_id(id_out) != 0 || session_hash(id_out, hex) != 0)
        return -1;
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    if (!db_begin())
        return -1;
    const char *del[] = {replaced_hash};
    const char *ins[] = {hex, uid};
    /* Expired sessions of this user are swept here, where they are cheap to find. */
    const char *sweep[] = {uid};
    if ((replaced_hash && !exec_ok("DELETE FROM auth.sessions WHERE hash = $1", 1, del)) ||
        !exec_ok("DELETE FROM auth.sessions WHERE user_id = $1 AND created_at <= now() - interval '" STR(
                     AUTH_SESSION_LIFETIME) " seconds'",
                 1, sweep) ||
        !exec_ok("INSERT INTO auth.sessions (hash, user_id) VALUES ($1, $2)", 2, ins) ||
        !exec_ok("UPDATE auth.users SET last_login = now() WHERE id = $1", 1, sweep) || !db_commit()) {
        db_rollback();
        return -1;
    }
    return 0;
}

static int exec_count(const char *sql, const char *param)
{
    const char *params[] = {param};
    PGresult *r = db_query(sql, 1, params);
    if (!r)
        return -1;
    int n = atoi(PQcmdTuples(r));
    PQclear(r);
    return n;
}

int session_delete(const char *hash_hex)
{
    return exec_count("DELETE FROM auth.sessions WHERE hash = $1", hash_hex);
}

int session_delete_user(int64_t user_id)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    return exec_count("DELETE FROM auth.sessions WHERE user_id = $1", uid);
}
