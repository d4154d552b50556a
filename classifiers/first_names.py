"""Common first names in Aarhus, written for this project: a cue that a word is a name."""

from __future__ import annotations

from typing import Final


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Our own modest list, not a downloaded one: frequent Danish first names of several
# generations plus names common among Aarhus citizens with roots elsewhere. Names that are
# also everyday Danish words ("Per", "Bo", "Sol", "Lykke", "Storm") are left out, because a
# capitalised word at the start of a sentence would then read as a name.
FIRST_NAMES: Final[frozenset[str]] = _words(
    """
    Aase Agnes Aksel Albert Alberte Alexander Alfred Alice Allan Alma Amalie Andrea Anders
    Andreas Anette Anja Ann Anna Anne Annette Anton Arne Arthur Asger Astrid August Axel
    Benjamin Bente Bent Berit Birgit Birgitte Birthe Bjarne Brian Camilla Carl Carsten
    Caroline Charlotte Christian Christina Christine Clara Claus Dagmar Daniel David Ditte
    Dorte Dorthe Ebbe Edith Egon Elias Elin Elisabeth Ella Ellen Elna Else Emil Emilie Emma
    Erik Erna Esben Esther Eva Finn Frederik Freja Frida Gitte Grete Gudrun Gunnar Hanne
    Hans Harald Hedvig Heidi Helene Helga Helle Henning Henrik Herdis Hugo Ib Ida Inga
    Inge Inger Ingrid Isabella Jacob Jakob Jan Jane Jens Jeppe Jesper Jette Johan Johanne
    Johannes John Jonas Jonathan Josefine Julie Jytte Jørgen Jørn Kamilla Karen Karin
    Karl Karla Kasper Katrine Kirsten Kirstine Klaus Knud Kristian Kristina Kurt Laila Lars
    Laura Lea Leif Lene Lis Lise Lisbeth Liva Louise Lucas Lukas Magnus Maja Malene Malou
    Malthe Marianne Marie Mads Marcus Margrethe Maria Martin Mathias Mette Mia Michael
    Mikkel Mille Mona Morten Nadia Niels Nikolaj Nina Noah Nora Ole Oliver Oscar Otto Palle
    Peter Pia Poul Preben Rasmus Rikke Rita Ruth Sara Sarah Sebastian Signe Simon Sofia
    Sofie Solveig Susanne Svend Sven Søren Thomas Thor Tina Tobias Tove Trine
    Troels Ulla Ulrik Valdemar Vibeke Victor Viggo Villads Vilma William Yvonne
    Ahmad Ahmed Aisha Ali Amina Fatima Hassan Hussein Ibrahim Khadija Layla Leila Mariam
    Maryam Mehmet Mohamed Mohammad Mohammed Mustafa Omar Yasmin Youssef Zainab Zeynep
    Anita Aleksander Agnieszka Anna-Maria Ewa Katarzyna Piotr Tomasz Olga Irina Priya Rahul
    """
)
