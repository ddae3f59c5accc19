// inventory-console-reference: writes the man page or the bash completion from the same command
// reference that --help prints. Used by the build; not installed.
#include "commandreference.h"

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char **argv)
{
    if (argc != 3 || (std::string(argv[1]) != "man" && std::string(argv[1]) != "completion")) {
        std::cerr << "usage: inventory-console-reference man|completion OUTPUT\n";
        return 2;
    }
    std::ofstream out(argv[2], std::ios::trunc);
    out << (std::string(argv[1]) == "man" ? CommandReference::manPage(INVENTORY_VERSION)
                                          : CommandReference::bashCompletion());
    out.close();
    if (!out) {
        std::cerr << "error: cannot write " << argv[2] << "\n";
        return 1;
    }
    return 0;
}
