/* Gateway settings (config.md: G rows) read and validated at start-up. */
#include <stdlib.h>
#include <unistd.h>

#include "gateway.h"

void gateway_config_load(cfg_t *c, gateway_config_t *cfg, bool debug)
{
    cfg->listen_host = cfg_str(c, "GATEWAY_HOST", "0.0.0.0");
    cfg->http_port = (int)cfg_int(c, "GATEWAY_HTTP_PORT", 8000, 1, 65535);
    cfg->ws_port = (int)cfg_int(c, "GATEWAY_WS_PORT", 8001, 1, 65535);
    if (cfg->http_port == cfg->ws_port)
        cfg_fail(c, "GATEWAY_WS_PORT", "must differ from GATEWAY_HTTP_PORT");
    /* Debian's libwebsockets serves a context from one thread only, so the
     * WebSocket front scales over cores with one context per core. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->ws_threads = (int)cfg_int(c, "GATEWAY_WS_THREADS",
                                   cores < 1   ? 1
                                   : cores > 8 ? 8
                                               : cores,
                                   1, WS_THREADS_MAX);
    /* Off for operators whose policy forbids io_uring; where the kernel or a
     * seccomp profile refuses it, the shards fall back by themselves. */
    cfg->ws_io_uring = cfg_bool(c, "GATEWAY_WS_IO_URING", true);
    cfg->request_timeout_ms = (int)cfg_int(c, "GATEWAY_REQUEST_TIMEOUT_MS", 10000, 100, 120000);
    /* 1 s like chat's own page cache: the bound on staleness should NATS drop
     * an event; 0 turns the gateway's page cache off. */
    cfg->history_cache_ms = (int)cfg_int(c, "GATEWAY_HISTORY_CACHE_MS", 1000, 0, 60000);
    cfg->upload_max_bytes = cfg_int(c, "DJANGO_UPLOAD_MAX_MB", 20, 1, 1024) * 1024L * 1024L;
    cfg->allowed_hosts = cfg_list(c, "DJANGO_ALLOWED_HOSTS", debug ? "*" : "localhost,127.0.0.1");
    cfg->csrf_trusted_origins =
        cfg_list(c, "DJANGO_CSRF_TRUSTED_ORIGINS", "http://localhost:5173,http://127.0.0.1:5173");
    cfg->trusted_proxies = cfg_list(c, "TRUSTED_PROXIES", "127.0.0.1/32,::1/128");
    cfg->ssl_redirect = cfg_bool(c, "DJANGO_SECURE_SSL_REDIRECT", !debug);
    cfg->public_base_url = cfg_str(c, "PUBLIC_BASE_URL", NULL);
    /* The same setting and default as auth's: the gateway re-issues
     * csrftoken on the GET session/ answers it gives itself. */
    cfg->csrf_cookie_secure = cfg_bool(c, "DJANGO_CSRF_COOKIE_SECURE", !debug);
}

void gateway_config_free(gateway_config_t *cfg)
{
    free(cfg->listen_host);
    cfg_list_free(cfg->allowed_hosts);
    cfg_list_free(cfg->csrf_trusted_origins);
    cfg_list_free(cfg->trusted_proxies);
    free(cfg->public_base_url);
}
