// PostgreSQL array literals for text[] parameters ({"a","b\"c",NULL}): every element quoted, with
// quotes and backslashes escaped, so that any text round-trips. Pure functions; any thread.
#pragma once

#include <span>
#include <string>

namespace inv {

enum class EmptyElement
{
    Text, // "" stays an empty string
    Null  // "" becomes NULL
};

std::string pgTextArray(std::span<const std::string> items, EmptyElement empty = EmptyElement::Text);

} // namespace inv
