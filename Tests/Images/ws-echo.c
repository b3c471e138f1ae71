/*
 * ws-echo: the WebSocket test image's only program (static, no libraries; `docker import`ed by
 * .ci/setup as codeb-test/ws:N). Listens on :8080.
 *   GET /health  -> 200 "ok vN"
 *   GET /        -> 200 "codeb-test ws vN"
 *   GET /ws      -> WebSocket (RFC 6455): every text frame is answered with "vN:" + its text,
 *                   so a client sees which version holds its connection.
 * One process per connection (fork); SIGTERM closes the listener and waits for open
 * connections, as an app that drains would.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *version = "1";

/* SHA-1 (FIPS 180-1), enough for the handshake. */
static void sha1(const unsigned char *data, size_t len, unsigned char out[20]) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *msg = calloc(total, 1);
    memcpy(msg, data, len);
    msg[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) msg[total - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)msg[off + 4 * i] << 24 | (uint32_t)msg[off + 4 * i + 1] << 16 | (uint32_t)msg[off + 4 * i + 2] << 8 | msg[off + 4 * i + 3];
        for (int i = 16; i < 80; i++) { uint32_t x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]; w[i] = x << 1 | x >> 31; }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6; }
            uint32_t t = (a << 5 | a >> 27) + f + e + k + w[i];
            e = d; d = c; c = b << 30 | b >> 2; b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }
    free(msg);
    for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

static void base64(const unsigned char *in, size_t len, char *out) {
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = table[v >> 18 & 63];
        out[o++] = table[v >> 12 & 63];
        out[o++] = i + 1 < len ? table[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? table[v & 63] : '=';
    }
    out[o] = 0;
}

static int read_full(int fd, unsigned char *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static void write_all(int fd, const void *buf, size_t len) {
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

static void respond(int fd, const char *status, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
    write_all(fd, head, (size_t)n);
    write_all(fd, body, strlen(body));
}

static void websocket(int fd) {
    for (;;) {
        unsigned char head[2];
        if (read_full(fd, head, 2) < 0) return;
        int opcode = head[0] & 0x0F, masked = head[1] & 0x80;
        uint64_t len = head[1] & 0x7F;
        if (len == 126) { unsigned char ext[2]; if (read_full(fd, ext, 2) < 0) return; len = (uint64_t)ext[0] << 8 | ext[1]; }
        else if (len == 127) { unsigned char ext[8]; if (read_full(fd, ext, 8) < 0) return; len = 0; for (int i = 0; i < 8; i++) len = len << 8 | ext[i]; }
        if (len > 65536) return;
        unsigned char mask[4] = {0};
        if (masked && read_full(fd, mask, 4) < 0) return;
        unsigned char *payload = malloc(len + 16);
        if (len && read_full(fd, payload, len) < 0) { free(payload); return; }
        for (uint64_t i = 0; i < len; i++) payload[i] ^= mask[i % 4];
        if (opcode == 8) { unsigned char close[2] = {0x88, 0}; write_all(fd, close, 2); free(payload); return; }
        if (opcode == 9) { /* ping -> pong */
            unsigned char pong[2] = {0x8A, (unsigned char)len};
            if (len < 126) { write_all(fd, pong, 2); write_all(fd, payload, len); }
            free(payload);
            continue;
        }
        if (opcode == 1) {
            char reply[65600];
            int n = snprintf(reply, sizeof reply, "v%s:", version);
            memcpy(reply + n, payload, len);
            size_t total = (size_t)n + len;
            unsigned char frame[4] = {0x81, 0, 0, 0};
            size_t headLen = 2;
            if (total < 126) frame[1] = (unsigned char)total;
            else { frame[1] = 126; frame[2] = (unsigned char)(total >> 8); frame[3] = (unsigned char)total; headLen = 4; }
            write_all(fd, frame, headLen);
            write_all(fd, reply, total);
        }
        free(payload);
    }
}

static void serve(int fd) {
    char request[8192];
    size_t got = 0;
    while (got < sizeof request - 1) {
        ssize_t n = read(fd, request + got, sizeof request - 1 - got);
        if (n <= 0) return;
        got += (size_t)n;
        request[got] = 0;
        if (strstr(request, "\r\n\r\n")) break;
    }
    char body[64];
    if (strncmp(request, "GET /health", 11) == 0) {
        snprintf(body, sizeof body, "ok v%s\n", version);
        respond(fd, "200 OK", body);
    } else if (strncmp(request, "GET /ws", 7) == 0) {
        char *key = strcasestr(request, "\r\nSec-WebSocket-Key:");
        if (!key) { respond(fd, "400 Bad Request", "not a WebSocket upgrade\n"); return; }
        key += 20;
        while (*key == ' ') key++;
        char joined[128];
        size_t k = 0;
        while (key[k] && key[k] != '\r' && k < 60) k++;
        snprintf(joined, sizeof joined, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)k, key);
        unsigned char digest[20];
        sha1((unsigned char *)joined, strlen(joined), digest);
        char accept[32];
        base64(digest, 20, accept);
        char head[256];
        int n = snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
        write_all(fd, head, (size_t)n);
        websocket(fd);
    } else {
        snprintf(body, sizeof body, "codeb-test ws v%s\n", version);
        respond(fd, "200 OK", body);
    }
}

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    if (argc > 1) version = argv[1];
    signal(SIGCHLD, SIG_IGN);
    struct sigaction term = {0};
    term.sa_handler = on_term;
    sigaction(SIGTERM, &term, NULL);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(8080), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 128) < 0) { perror("listen"); return 1; }
    printf("ws-echo v%s listening on :8080\n", version);
    fflush(stdout);
    while (!stopping) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        pid_t child = fork();
        if (child == 0) { close(listener); serve(fd); close(fd); _exit(0); }
        close(fd);
    }
    /* Drain: no new connections; the open ones end when their clients (or a SIGKILL) end them. */
    close(listener);
    while (wait(NULL) > 0 || errno == EINTR) {}
    return 0;
}
