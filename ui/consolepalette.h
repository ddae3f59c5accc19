// The console's colours: the dark palette (with a disabled group, so that disabled controls look
// disabled), and the navigation icons drawn in the palette's own text colour, so that they show
// on a light and on a dark palette alike. GUI thread only.
#pragma once

#include <QIcon>
#include <QPalette>

class ConsolePalette
{
public:
    enum class Icon
    {
        Inventory,
        AuditLog,
        Simulation,
        Servers
    };

    static QPalette dark();
    // The light palette: the style's own.
    static QPalette light();
    static QIcon navigationIcon(Icon icon, const QPalette &palette);
};
