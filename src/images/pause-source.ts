/**
 * The pause program: PID 1 of every pod sandbox. It holds the pod's namespaces open, reaps zombies
 * of shared-PID pods, and exits 0 on SIGINT/SIGTERM. Kept as a string so it ships inside `dist/`
 * (tsc copies no .c files) and so its bytes are part of the image cache key.
 * Compile: `gcc -static -Os -s -o pause pause.c`.
 */
export const PAUSE_VERSION = '3.10';

export const PAUSE_C = `/* tskube pause ${PAUSE_VERSION}: hold the sandbox namespaces, reap zombies, exit 0 on INT/TERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int signo) {
  (void)signo;
  _exit(0);
}

static void on_child(int signo) {
  int saved = errno;
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(int argc, char **argv) {
  struct sigaction sa;
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("tskube pause ${PAUSE_VERSION}\\n");
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "pause: warning: not running as PID 1\\n");
  }
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &sa, NULL) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) {
    pause();
  }
  return 42;
}
`;
