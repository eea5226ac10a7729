/* The HTTP floor of the bench: libmicrohttpd in the mode self-heal uses (one internal
 * polling thread and poll()), reading each POST body whole and
 * answering 200 with a fixed body. No parsing, no decision, no write: what any
 * receiver on this library costs at least on this machine.
 *
 * Usage: floor_httpd PORT   (binds 127.0.0.1 only; stops on SIGTERM or SIGINT)
 * Built by bench/compare.py with: cc -O2 floor_httpd.c $(pkg-config --cflags --libs libmicrohttpd)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
  static int first_call_marker;
  (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
  if (*req_cls == NULL) { /* headers only: ask for the body */
    *req_cls = &first_call_marker;
    return MHD_YES;
  }
  if (*upload_data_size != 0) { /* a piece of the body: consumed, discarded */
    *upload_data_size = 0;
    return MHD_YES;
  }
  static const char body[] = "{\"status\":\"ok\"}";
  struct MHD_Response *response =
      MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
  enum MHD_Result queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
  MHD_destroy_response(response);
  return queued;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[1]));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  /* Blocked before the daemon's thread starts, so it inherits the mask and main's
   * sigwait() is the one place a stop is seen. */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  /* The mode self-heal uses (src/http/mhd_server.cpp): poll(), not epoll. */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_POLL;
  struct MHD_Daemon *daemon = MHD_start_daemon(flags, 0, NULL, NULL, &on_request, NULL,
                                               MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
  if (daemon == NULL) {
    fprintf(stderr, "floor_httpd: cannot listen on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  int received = 0;
  sigwait(&stop_signals, &received);
  MHD_stop_daemon(daemon);
  return 0;
}
