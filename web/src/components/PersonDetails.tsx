import { Descriptions } from 'antd';
import { useTranslation } from 'react-i18next';
import type { PersonFull } from '../api';

export function PersonDetails({ person, regionName, testId }: { person: PersonFull; regionName: (code: string) => string; testId?: string }) {
  const { t } = useTranslation();
  const none = t('person.none');
  return (
    <Descriptions
      data-testid={testId}
      column={{ xs: 1, sm: 1, md: 2 }}
      bordered
      size="small"
      items={[
        { key: 'name', label: t('person.name'), children: person.name },
        { key: 'rid', label: t('person.residentId'), children: <span className="tb-mono" data-testid="full-resident-id">{person.residentId}</span> },
        { key: 'sex', label: t('person.sex'), children: t(`person.sexes.${person.sex}`, { defaultValue: person.sex }) },
        { key: 'birth', label: t('person.birthDate'), children: person.birthDate },
        { key: 'region', label: t('person.region'), children: regionName(person.regionCode) === person.regionCode ? person.regionCode : `${regionName(person.regionCode)} (${person.regionCode})` },
        { key: 'phone', label: t('person.phone'), children: <span className="tb-mono">{person.phone ?? none}</span> },
        { key: 'address', label: t('person.address'), children: person.address ?? none },
        { key: 'pinyin', label: t('person.pinyin'), children: person.namePinyin },
      ]}
    />
  );
}
