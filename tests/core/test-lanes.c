#include "sd-test-support.h"
int main (int argc, char **argv) { sd_test_init (&argc, &argv); return g_test_run (); }
