/*
 * main.c: recnetctl's main: everything else is cli_main (cli.c), which the tests call in-process.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
