#include "responder/command.h"

int main(int argc, char** argv) { return responder::run_command_line(argc, argv); }
