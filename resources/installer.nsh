; Generated from main/integration/windows-verbs.ts by `npm run gen:integration`; do not edit.
; Per-user (HKCU) like the install itself (nsis.perMachine: false).

!macro customInstall
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4" "" "Upscale ×4"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4" "MUIVerb" "Upscale ×4"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --upscale=4 -- "%1"'
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8" "" "Upscale ×8"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8" "MUIVerb" "Upscale ×8"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --upscale=8 -- "%1"'
  WriteRegStr HKCU "Software\Classes\Yonos.Image" "" "Yonos image"
  WriteRegStr HKCU "Software\Classes\Yonos.Image\DefaultIcon" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\Yonos.Image\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
  WriteRegNone HKCU "Software\Classes\.jpg\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.jpeg\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.png\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.webp\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.tif\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.tiff\OpenWithProgids" "Yonos.Image"
  WriteRegNone HKCU "Software\Classes\.avif\OpenWithProgids" "Yonos.Image"
  System::Call "shell32::SHChangeNotify(i,i,i,i) (0x08000000, 0x1000, 0, 0)"
!macroend

!macro customUnInstall
  DeleteRegKey HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale4"
  DeleteRegKey HKCU "Software\Classes\SystemFileAssociations\image\shell\YonosUpscale8"
  DeleteRegKey HKCU "Software\Classes\Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.jpg\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.jpeg\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.png\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.webp\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.tif\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.tiff\OpenWithProgids" "Yonos.Image"
  DeleteRegValue HKCU "Software\Classes\.avif\OpenWithProgids" "Yonos.Image"
  System::Call "shell32::SHChangeNotify(i,i,i,i) (0x08000000, 0x1000, 0, 0)"
!macroend
