/** A Thunar uca.xml in Thunar's own layout, with a user's action that must survive our install untouched. */
export const foreignUcaXml = `<?xml version="1.0" encoding="UTF-8"?>
<actions>
<action>
\t<icon>utilities-terminal</icon>
\t<name>Open Terminal Here</name>
\t<submenu></submenu>
\t<unique-id>1663436487414013-1</unique-id>
\t<command>exo-open --working-directory %f --launch TerminalEmulator</command>
\t<description>Example for a custom action &amp; more</description>
\t<range></range>
\t<patterns>*</patterns>
\t<startup-notify/>
\t<directories/>
</action>
</actions>
`;
