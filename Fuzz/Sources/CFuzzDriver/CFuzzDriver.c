// The declaration in include/CFuzzDriver.h is the whole module; libFuzzer defines the function.
#include "CFuzzDriver.h"
