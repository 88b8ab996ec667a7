"""Dataset generators: Gay-Berne dimers, liquid-crystal phases, benzene crystals."""
