export interface MenuItem {
  label: string;
  action: () => void;
  disabled?: boolean;
  separatorBefore?: boolean;
}
